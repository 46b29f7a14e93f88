# The hooks stay registered hook_linger_ms after the last session ended
# (so recordings in a row register and patch text once), then go; rmmod
# during the linger removes them at once, without a warning; with
# hook_linger_ms=0 they go as soon as the worker runs.  Also: a recording
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
assert_eq "$(cat $R)" Y "hooks_registered while lingering"
sleep $((2 * K))
kmr_hooks_registered || kmr_fail "the hooks went before hook_linger_ms"
# a session within the linger keeps them; its end restarts the linger
kmemrec -q -o b.kmr -- /bin/true
sleep $((3 * K))
kmr_hooks_registered || kmr_fail "the second session's end did not restart the linger"
wait_unhooked $((8 * K))
# the kretprobes go first, the ftrace_ops after an RCU-tasks grace period
i=0
while [ "$(cat $R)" != N ]; do
	i=$((i + 1))
	[ $i -le $((50 * K)) ] || kmr_fail "hooks_registered still $(cat $R) 5 s after the kretprobes went"
	sleep 0.1
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
