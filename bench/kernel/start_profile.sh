# Issue 10 profile (not a test): where a short recording's instructions
# and waits go.  Under -icount shift=0 on one vCPU, ftrace's timestamps are
# instruction counts (plus idle time).  function_graph over the device's
# entry points and the hooks' unregister worker (durations of ATTACH,
# START, STOP, DETACH, close and what they call), raw syscalls of the
# recorder (its sleeps and polls), the target's exec and exit.
# kmr-timeout: 900
# kmr-icount: shift=0
# kmr-bin: kb_start kmemrec

T=/sys/kernel/tracing
kb_start -n 2 true >plain.txt
cat plain.txt

prof() {
	name=$1
	shift
	echo 0 >$T/tracing_on
	echo nop >$T/current_tracer
	echo >$T/trace
	echo 20000 >$T/buffer_size_kb
	echo mono >$T/trace_clock
	echo 'kmr_ioctl kmr_release kmr_open kmr_mmap kmr_probes_unregister_fn kmr_session_free_fn' >$T/set_graph_function
	echo 6 >$T/max_graph_depth
	echo 1 >$T/options/funcgraph-abstime
	echo 1 >$T/options/funcgraph-proc
	echo function_graph >$T/current_tracer
	echo 'comm == "kmemrec"' >$T/events/raw_syscalls/sys_enter/filter
	echo 'comm == "kmemrec"' >$T/events/raw_syscalls/sys_exit/filter
	echo 1 >$T/events/raw_syscalls/enable
	echo 1 >$T/events/sched/sched_process_exec/enable
	echo 1 >$T/events/sched/sched_process_exit/enable
	echo 1 >$T/events/sched/sched_process_fork/enable
	echo 1 >$T/tracing_on
	"$@" >"$name.txt"
	echo 0 >$T/tracing_on
	cat $T/trace >"$name.trace"
	echo 0 >$T/events/enable
	echo nop >$T/current_tracer
	cat "$name.txt"
}
prof true kb_start true
prof attach1 kb_start attach 1
