# shellcheck shell=sh
# Guest side of the `kmemrec --lossless` cases (busybox ash), sourced by
# tests/guest/cases/lossless_*.sh (installed as /kmr/lib/lossless.sh).
#
# ll_start DIR [FAULTBENCH ARGS...] starts kmrt-faultbench (held at its start
# with -H, checkpoints into DIR/ckpt) and `kmemrec --lossless --buffer-size
# 256K` attached to it, both in the background, and waits until the session
# runs.  Sets LL_TARGET and LL_REC (pids); the target's output is
# DIR/target.out, kmemrec's DIR/kmemrec.err, the trace DIR/trace.kmr.
# $LL_REC_WRAP, if set, is a command put before kmemrec (e.g. one that moves
# it into a cgroup first); $LL_REC_ARGS, more kmemrec options (--range,
# --events, --capture-pages, --flight-recorder).
# ll_go releases the target (SIGUSR1).

LL_RING=256K

ll_start() {
	dir=$1
	shift
	mkdir -p "$dir/ckpt"
	kmrt-faultbench -v -H -C "$PWD/$dir/ckpt" "$@" >"$dir/target.out" 2>&1 &
	LL_TARGET=$!
	for _ in $(seq 100); do grep -q '^hold start' "$dir/target.out" && break; sleep 0.1; done
	grep -q '^hold start' "$dir/target.out" || kmr_fail "kmrt-faultbench never reached its hold point"
	# shellcheck disable=SC2086
	$LL_REC_WRAP kmemrec --lossless --buffer-size $LL_RING $LL_REC_ARGS -o "$dir/trace.kmr" "$LL_TARGET" \
		2>"$dir/kmemrec.err" &
	LL_REC=$!
	for _ in $(seq 300); do
		grep -q '^kmemrec: recording pid' "$dir/kmemrec.err" && break
		kill -0 "$LL_REC" 2>/dev/null || break
		sleep 0.1
	done
	grep -q '^kmemrec: recording pid' "$dir/kmemrec.err" ||
		kmr_fail "kmemrec --lossless did not start: $(cat "$dir/kmemrec.err")"
	echo "pid=$LL_TARGET" >"$dir/ll.env"
}

ll_go() { kill -USR1 "$LL_TARGET"; }

# Page faults (minflt) of process $1 so far.  Not its CPU time: a held
# thread wakes every millisecond to look at the rings, and the kernel scales
# utime and stime from that precise runtime.
ll_faults() { awk '{ print $10 }' "/proc/$1/stat"; }

# The fault-heavy process $1 makes no page fault for 1 s: it is held.
ll_held() {
	c0=$(ll_faults "$1")
	sleep 1
	c1=$(ll_faults "$1")
	[ "$c0" = "$c1" ]
}

# ll_summary DIR: the "lossless:" line of kmemrec's summary must say no
# record was lost; sets LL_HELD_MS (integer) and LL_WAITS.
ll_summary() {
	line=$(grep -m1 '^  lossless: ' "$1/kmemrec.err") ||
		kmr_fail "no lossless line in kmemrec's summary: $(cat "$1/kmemrec.err")"
	kmr_note "$1:$line"
	LL_HELD_MS=$(echo "$line" | sed -n 's/.*held \([0-9]*\)\.[0-9] ms.*/\1/p')
	LL_WAITS=$(echo "$line" | sed -n 's/.* in \([0-9]*\) waits.*/\1/p')
	echo "$line" | grep -q 'lost while lossless: 0 (0 from kernel threads)' ||
		kmr_fail "$1: records were lost: $line"
	grep -q ' 0 lost; ' "$1/kmemrec.err" || kmr_fail "$1: kmemrec says events were lost"
}
