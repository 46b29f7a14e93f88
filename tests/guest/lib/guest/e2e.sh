# shellcheck shell=sh
# Guest side of the end-to-end proof (busybox ash), sourced by
# tests/guest/cases/e2e_targets*.sh (installed as /kmr/lib/e2e.sh).
#
# e2e_record_list LIST VCPUS runs e2e_record for every target of LIST
# (tests/oracle/e2e_targets.txt) that needs VCPUS, each in a directory named
# after it.
#
# e2e_record NAME [ARGS...] records /kmr/bin/kmrt-NAME with kmemrec in
# launch mode, with ftrace counting the same run's user page faults, and
# leaves in the current directory (under $KMR_OUT: the host gets it back):
#   trace.kmr            the trace
#   target.out           the target's -v output (region/expect/pages lines)
#   kmemrec.err          kmemrec's summary
#   ckpt/ckpt-*.txt      the target's checkpoints (maps + pagemap + time)
#   ftrace-faults.txt    "<tgid> <seconds.micros>" per exceptions:page_fault_user
#   e2e.env              pid=<target pid> rc=<kmemrec exit status>
# The host check (tests/oracle/host_e2e.sh) compares them.

E2E_T=/sys/kernel/tracing

e2e_ftrace_start() {
	[ -d $E2E_T/events/exceptions/page_fault_user ] ||
		kmr_fail "no exceptions:page_fault_user tracepoint (tracefs not mounted?)"
	echo 0 >$E2E_T/tracing_on
	# CLOCK_MONOTONIC, the clock of the trace's event times.
	echo mono >$E2E_T/trace_clock
	# Per CPU; the fault-heavy target makes ~300k events of ~40 bytes.
	echo 32768 >$E2E_T/buffer_size_kb
	echo 1 >$E2E_T/options/record-tgid
	echo >$E2E_T/trace
	# No filter left by an earlier case in the same boot (kprobes_check).
	echo 0 >$E2E_T/events/exceptions/page_fault_user/filter
	echo 1 >$E2E_T/events/exceptions/page_fault_user/enable
	echo 1 >$E2E_T/tracing_on
}

e2e_ftrace_stop() {
	echo 0 >$E2E_T/tracing_on
	echo 0 >$E2E_T/events/exceptions/page_fault_user/enable
	over=0
	for s in $E2E_T/per_cpu/cpu*/stats; do
		n=$(sed -n 's/^overrun: //p' "$s")
		over=$((over + ${n:-0}))
	done
	[ "$over" -eq 0 ] || kmr_fail "ftrace lost $over events (overrun): cannot compare fault counts"
	# "   <comm>-<tid> (  <tgid>) [cpu] flags  <sec>.<usec>: page_fault_user: ..."
	sed -n -E 's/.*\( *([0-9]+)\) +\[[0-9]+\] +[^ ]+ +([0-9]+\.[0-9]+): page_fault_user:.*/\1 \2/p' \
		$E2E_T/trace >ftrace-faults.txt
	echo >$E2E_T/trace
}

# e2e_record NAME [ARGS...]
e2e_record() {
	name=$1
	shift
	command -v kmemrec >/dev/null || kmr_fail "kmemrec is not in the guest (kmr-bin: kmemrec)"
	kmemrec --version >/dev/null 2>&1 ||
		kmr_fail "kmemrec does not run in the guest (build it with -DKMR_STATIC_RECORDER=ON)"
	[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
	mkdir -p ckpt
	e2e_ftrace_start
	rc=0
	kmemrec -o trace.kmr -- "kmrt-$name" -v -C "$PWD/ckpt" "$@" >target.out 2>kmemrec.err || rc=$?
	e2e_ftrace_stop
	cat kmemrec.err
	pid=$(sed -n 's/^kmemrec: recorded pid \([0-9]*\) .*/\1/p' kmemrec.err)
	echo "pid=$pid rc=$rc" >e2e.env
	[ "$rc" -eq 0 ] || kmr_fail "kmemrec exited with status $rc: $(grep -m1 -E 'error|WARNING' kmemrec.err)"
	[ -n "$pid" ] || kmr_fail "no 'recorded pid' line in kmemrec's summary"
	assert_file trace.kmr
	n=$(ls ckpt | wc -l)
	assert_ge "$n" 1 "checkpoints written by kmrt-$name"
	assert_grep '^ckpt ' target.out "kmrt-$name output"
	kmr_note "kmrt-$name: pid $pid, $n checkpoints, $(wc -l <ftrace-faults.txt) ftrace faults," \
		"trace $(stat -c %s trace.kmr) bytes"
}

# e2e_record_list LIST VCPUS: e2e_record, in a directory NAME/, for every
# line "NAME VCPUS [ARGS...]" of LIST with that VCPUS.  Each target runs in
# its own shell (with set -e, and kmr_fail ending only that target), so a
# failing target does not hide the others; the case then fails naming all
# that failed.
e2e_record_list() {
	list=$1 want=$2 failed="" n=0
	[ -f "$list" ] || kmr_fail "no target list $list (kmr-file: tests/oracle/e2e_targets.txt)"
	while read -r name vcpus args; do
		case $name in '' | '#'*) continue ;; esac
		[ "$vcpus" = "$want" ] || continue
		n=$((n + 1))
		mkdir -p "$name"
		echo "=== kmrt-$name"
		# shellcheck disable=SC2086 # ARGS are split as the list writes them
		sh -ec '. /kmr/lib/kmr.sh; . /kmr/lib/e2e.sh; cd "$1"; shift; e2e_record "$@"' \
			e2e "$name" "$name" $args </dev/null || failed="$failed $name"
	done <"$list"
	[ "$n" -ge 1 ] || kmr_fail "no target in $list needs $want vCPU(s)"
	[ -z "$failed" ] || kmr_fail "e2e failed for:$failed (see each target's output above)"
	kmr_note "$n targets recorded"
}
