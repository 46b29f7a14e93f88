# The fault hook beside other users of handle_mm_fault's return: a
# kretprobe event (kprobe_events, `r:` on handle_mm_fault) and the
# function-graph tracer filtered to handle_mm_fault, each in a trace
# instance of its own, while kprobes_check (every hook against pagemap and
# maps, see kprobes_check.sh) runs.  The module takes the return hook of an
# anonymous first touch back at the rmap hook (kmr_fctx_disarm(),
# docs/kernel-hooks.md §2): it must never take another tool's return with
# it, nor leave a stale return address behind.  Checked:
#   - kprobes_check passes (the recording is exact);
#   - every handle_mm_fault entry of kprobes_check's processes (a kprobe
#     event) has its return (a kretprobe event), and nothing overran;
#   - the function-graph instance closed handle_mm_fault's calls (a
#     stolen fgraph return would make ftrace stop with "Bad frame pointer");
#   - no WARN, BUG or rethook complaint in the kernel log.
# Then a third pass with both enabled after the module's hooks are
# registered, so that each order of the return hooks on the stack is run.
# kmr-timeout: 600
# kmr-smp: 2
# kmr-bin: kprobes_check

T=/sys/kernel/tracing
kmr_module_loaded kmemrec || kmr_insmod kmemrec
[ -d $T/instances ] || kmr_skip "no tracefs instances"
grep -qw function_graph $T/available_tracers ||
	kmr_skip "no function_graph tracer in this kernel"

start_kretprobe() {
	echo 'p:kmr_coexist_in handle_mm_fault' >>$T/kprobe_events &&
		echo 'r:kmr_coexist_out handle_mm_fault ret=$retval' >>$T/kprobe_events ||
		kmr_fail "cannot add kprobe events on handle_mm_fault"
	mkdir -p $T/instances/kmrkp
	echo 16384 >$T/instances/kmrkp/buffer_size_kb
	echo 1 >$T/instances/kmrkp/events/kprobes/kmr_coexist_in/enable
	echo 1 >$T/instances/kmrkp/events/kprobes/kmr_coexist_out/enable
}

# Every handle_mm_fault entry of kprobes_check's processes (all exited)
# must have its return event: a return taken with ours would be missing.
stop_kretprobe() {
	local what="$1" counts overrun
	echo 0 >$T/instances/kmrkp/events/kprobes/kmr_coexist_in/enable
	echo 0 >$T/instances/kmrkp/events/kprobes/kmr_coexist_out/enable
	overrun=$(cat $T/instances/kmrkp/per_cpu/cpu*/stats |
		awk '/^overrun:/ { s += $2 } END { print s + 0 }')
	counts=$(awk '$1 ~ /^kprobes_check-/ {
			for (i = 2; i <= NF; i++) {
				if ($i == "kmr_coexist_in:") n_in++
				if ($i == "kmr_coexist_out:") n_out++
			}
		} END { print n_in + 0, n_out + 0 }' $T/instances/kmrkp/trace)
	set -- $counts
	echo "kprobe events on handle_mm_fault: $1 entries, $2 returns, overrun $overrun ($what)"
	[ "$overrun" = 0 ] || kmr_fail "the kprobe instance's buffer overran ($what)"
	[ "$1" -gt 100 ] || kmr_fail "only $1 handle_mm_fault entries seen ($what)"
	[ "$1" = "$2" ] || kmr_fail "returns lost: $1 entries, $2 returns ($what)"
	rmdir $T/instances/kmrkp
	echo '-:kmr_coexist_out' >>$T/kprobe_events
	echo '-:kmr_coexist_in' >>$T/kprobe_events
}

# function_graph runs in an instance on 6.12; 6.1's does not allow that
# (no allow_instances), so there it is the top-level tracer, with a buffer
# large enough to keep kprobes_check's page_fault_user events beside it.
start_fgraph() {
	mkdir -p $T/instances/kmrfg
	FG=$T/instances/kmrfg
	if echo function_graph 2>/dev/null >$FG/current_tracer; then
		echo nop >$FG/current_tracer
		echo 16384 >$FG/buffer_size_kb
	else
		rmdir $FG
		FG=$T
		# "7 (expanded: 1408)" before first use
		FG_OLD_KB=$(awk '{ if ($2 == "(expanded:") { sub(/\)/, "", $3); print $3 } else print $1 }' $T/buffer_size_kb)
		echo 32768 >$T/buffer_size_kb
	fi
	echo handle_mm_fault >$FG/set_ftrace_filter
	echo function_graph >$FG/current_tracer ||
		kmr_fail "cannot start function_graph"
	echo "function_graph in $FG"
}

stop_fgraph() {
	local calls
	calls=$(grep -c 'handle_mm_fault' $FG/trace)
	echo nop >$FG/current_tracer
	echo >$FG/set_ftrace_filter
	echo "function_graph: $calls handle_mm_fault lines ($1)"
	[ "$calls" -gt 100 ] || kmr_fail "only $calls function_graph lines ($1)"
	if [ $FG = $T ]; then
		echo "$FG_OLD_KB" >$T/buffer_size_kb
	else
		rmdir $FG
	fi
}

check_dmesg() {
	if dmesg | grep -E 'Bad frame pointer|rethook|WARNING:|BUG:|ftrace faulted' \
		>dmesg.bad; then
		cat dmesg.bad
		kmr_fail "kernel complained ($1)"
	fi
}

run_check() {
	/kmr/bin/kprobes_check >"check-$1.log" 2>&1 ||
		{ cat "check-$1.log"; kmr_fail "kprobes_check failed ($1)"; }
	assert_grep '^kprobes_check: PASS$' "check-$1.log"
}

# 1: a kretprobe event registered before the module's fault hook
start_kretprobe
run_check kretprobe
stop_kretprobe kretprobe
check_dmesg kretprobe

# 2: the function-graph tracer started before the module's hooks
start_fgraph
run_check fgraph
stop_fgraph fgraph
check_dmesg fgraph

# 3: both, started while the module's hooks are registered (a held session)
kmr_hold_hooks
start_kretprobe
start_fgraph
run_check both-after
stop_fgraph both-after
stop_kretprobe both-after
kmr_release_hooks
check_dmesg both-after
echo "kprobes_coexist: PASS"
