# The hooks stay registered hook_linger_ms after the last session ended
# (so recordings in a row register and patch text once), then go: the
# entry ftrace_ops is unregistered and the kretprobes disarmed (they are
# registered, disabled, from module load to rmmod); rmmod during the
# linger removes them at once, without a warning; with hook_linger_ms=0
# they go as soon as the worker runs.  Also: a recording
# of /bin/true registers every hook by address (issue 10) and the
# recording works; the module's read-only hooks_registered parameter says
# Y exactly while the kretprobes are listed.
# kmr-timeout: 240
# kmr-bin: kmemrec

P=/sys/module/kmemrec/parameters/hook_linger_ms
kmr_module_loaded kmemrec || kmr_insmod kmemrec
[ -r $P ] || kmr_fail "the module has no hook_linger_ms parameter"
assert_eq "$(cat $P)" 2000 "default hook_linger_ms"
L=/sys/kernel/debug/kprobes/list
R=/sys/module/kmemrec/parameters/hooks_registered
[ -r $R ] || kmr_fail "the module has no hooks_registered parameter"

# wait_unhooked S: the kretprobes are gone within S seconds
wait_unhooked() {
	i=0
	while kmr_hooks_registered; do
		i=$((i + 1))
		[ $i -le $(($1 * 10)) ] || kmr_fail "hooks still registered after $1 s"
		sleep 0.1
	done
	echo "unhooked after ~$i00 ms"
}

# Times scale with the kernel (the harness's KMR_TIME_SCALE, 4 on the
# debug kernel): there a recording of /bin/true and its exit take seconds,
# which a 5 s linger would not outlast between the checks below.
K=${KMR_TIME_SCALE:-1}
wait_unhooked $((10 * K))
echo $((5000 * K)) >$P
kmemrec -q -o a.kmr -- /bin/true
kmr_hooks_registered || kmr_fail "the hooks went at once despite hook_linger_ms=$((5000 * K))"
for f in handle_mm_fault begin_new_exec remove_migration_pte; do
	grep -q "$f" $L || kmr_fail "no kretprobe on $f"
done
# While the hooks are in, the entries of the three kretprobed functions
# are on the shared ftrace_ops, which arms their instances (or, on a
# kernel without arch_rethook_trampoline, their kprobes are enabled).
E=/sys/kernel/tracing/enabled_functions
[ -r $E ] || mount -t tracefs nodev /sys/kernel/tracing 2>/dev/null
if grep -q arch_rethook_trampoline /proc/kallsyms; then
	for f in handle_mm_fault begin_new_exec remove_migration_pte; do
		grep -q "^$f " $E || kmr_fail "$f is not ftrace-hooked during the linger"
	done
else
	for f in handle_mm_fault begin_new_exec remove_migration_pte; do
		grep "  r  $f" $L | grep -q DISABLED && kmr_fail "the kretprobe on $f is not armed during the linger: $(grep "$f" $L)"
	done
fi
assert_eq "$(cat $R)" Y "hooks_registered while lingering"
sleep $((2 * K))
kmr_hooks_registered || kmr_fail "the hooks went before hook_linger_ms"
# a session within the linger keeps them; its end restarts the linger
kmemrec -q -o b.kmr -- /bin/true
sleep $((3 * K))
kmr_hooks_registered || kmr_fail "the second session's end did not restart the linger"
wait_unhooked $((8 * K))
# the kretprobes stay registered until rmmod, disarmed: no instruction
# patched, nothing run (docs/kernel-hooks.md)
assert_eq "$(cat $R)" N "hooks_registered after the linger"
for f in handle_mm_fault begin_new_exec remove_migration_pte; do
	grep "  r  $f" $L | grep -q DISABLED || kmr_fail "the kretprobe on $f is armed after the linger: $(grep "$f" $L)"
done
for f in handle_mm_fault begin_new_exec remove_migration_pte; do
	grep -q "^$f " $E && kmr_fail "$f is still ftrace-hooked after the linger"
done

# rmmod during the linger: module exit unregisters at once
kmemrec -q -o c.kmr -- /bin/true
kmr_hooks_registered || kmr_fail "hooks not lingering before rmmod"
kmr_rmmod kmemrec
kmr_hooks_registered && kmr_fail "kretprobes left after rmmod"
kmr_insmod kmemrec

echo 0 >$P
kmemrec -q -o d.kmr -- /bin/true
wait_unhooked $((2 * K))
echo 2000 >$P
for f in a b c d; do assert_file $f.kmr; done
echo "linger ok"
