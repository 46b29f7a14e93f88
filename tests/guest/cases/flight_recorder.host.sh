#!/bin/bash
# Host half of flight_recorder: each file replays on its own; its index says
# why it was written; every checkpoint inside its window equals the
# kernel's maps and pagemap; the SIGSEGV file's last state holds the crash
# page, present and read-only.
. "$KMR_REPO/tests/oracle/host_e2e.sh"
. "$KMR_REPO/tests/guest/lib/find_bin.sh"
dir=$1
oracle=$(e2e_find_bin kmr-oracle) || { echo "kmr-oracle not found"; exit 2; }
replay=$(kmr_find_bin kmemreplay ${KMR_BIN_DIRS:-}) || { echo "kmemreplay not found"; exit 2; }
rc=0

# flight_check FILE CAUSE SEQ: the summary's flight section
flight_check() {
	local j
	j=$("$replay" "$1" --json) || { echo "$1: kmemreplay failed"; rc=1; return; }
	python3 -c '
import json, sys
path, cause, seq = sys.argv[1], sys.argv[2], int(sys.argv[3])
j = json.load(sys.stdin)
f = j.get("flight")
bad = []
if not f:
    bad.append("no flight section")
else:
    if cause not in f["cause"]: bad.append("cause %r, want %r" % (f["cause"], cause))
    if f["sequence"] != seq: bad.append("sequence %d, want %d" % (f["sequence"], seq))
    if j["events"] <= 0: bad.append("no events")
print(path + ": " + ("; ".join(bad) if bad else
      "ok (%d events, cause %r, %d B dropped before the window)" % (j["events"], f["cause"], f["dropped_bytes"])))
sys.exit(1 if bad else 0)
' "$1" "$2" "$3" <<<"$j" || rc=1
}

t=$dir/segv/trace.kmr
if [ -s "$t" ]; then
	flight_check "$t" "target killed by SIGSEGV" 0
	"$oracle" info "$t" --finished || rc=1
	e2e_state_compared "$t" "$dir/segv/ckpt" || rc=1
	. "$dir/segv/crash.env"
	# written from the SIGNAL record, before the (slow) core dump: the
	# window ends with the signal, at the written address, and no EXIT
	"$replay" "$t" --events --kind signal,exit --json >"$dir/segv/end-events.json" || rc=1
	"$replay" "$t" --json >"$dir/segv/summary.json" || rc=1
	python3 - "$dir/segv/end-events.json" "$page" "$dir/segv/summary.json" <<'EOF2' || rc=1
import json, sys
evs = json.load(open(sys.argv[1]))
fatal = json.load(open(sys.argv[3])).get("fatal_signal")
want = int(sys.argv[2], 16) + 1      # kmrt-crash writes v[1]
sig = [e for e in evs if e["kind"] == "signal"]
bad = []
if [e["kind"] for e in evs] != ["signal"]:
    bad.append("signal/exit events %s, want one signal and no exit" % [e["kind"] for e in evs])
elif sig[0]["signal"] != "SIGSEGV" or sig[0]["addr"] != want or not sig[0]["coredump"]:
    bad.append("signal %s, want SIGSEGV at %#x with a core dump" % (sig[0], want))
if not fatal or fatal["signal"] != "SIGSEGV" or fatal["addr"] != want:
    bad.append("summary's fatal_signal %s, want SIGSEGV at %#x" % (fatal, want))
print("segv trace's end: " + ("; ".join(bad) if bad else "SIGSEGV at %#x, no EXIT (written before the core dump)" % want))
sys.exit(1 if bad else 0)
EOF2
	end=$(printf '%x' $((0x$page + 0x1000)))
	"$replay" "$t" --at end --range "$page-$end" >"$dir/segv/at-end.txt" || rc=1
	# the crash page's row: present, in a VMA without write permission
	if grep -q "$page" "$dir/segv/at-end.txt" && grep -Eq 'r--p|r-xp' "$dir/segv/at-end.txt"; then
		echo "crash page $page at end: present in a read-only VMA"
	else
		echo "crash page $page at end: not as expected:"
		cat "$dir/segv/at-end.txt"
		rc=1
	fi
else
	echo "no segv trace"
	rc=1
fi

for i in 1 2 3; do
	t=$dir/usr1/trace.$i.kmr
	[ -s "$t" ] || { echo "no $t"; rc=1; continue; }
	flight_check "$t" SIGUSR1 "$i"
	e2e_state_compared "$t" "$dir/usr1/ckpt" || rc=1
done

t=$dir/oom/trace.kmr
if [ -s "$t" ]; then
	flight_check "$t" "target OOM-killed" 0
	"$oracle" info "$t" --finished --exited || rc=1
fi
[ $rc = 0 ] && echo "flight_recorder host check ok" || echo "flight_recorder host check FAILED"
exit $rc
