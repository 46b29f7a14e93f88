# The hooks as a kernel without arch_rethook_trampoline gets them
# (kmemrec.ko fast_returns=N): the fault's entry and the other kretprobes'
# entries are their own kprobes, enabled at the first ATTACH, and every
# traced fault runs its return hook, none is taken back.  The same checks
# as kprobes_check (every step's records against /proc/<pid>/maps and
# pagemap, the FAULT count against ftrace's), then the kprobes are
# disabled again after the linger and the module unloads.
# kmr-timeout: 400
# kmr-bin: kprobes_check

kmr_module_loaded kmemrec && kmr_rmmod kmemrec
kmr_insmod kmemrec fast_returns=0 hook_linger_ms=200
assert_eq "$(cat /sys/module/kmemrec/parameters/fast_returns)" N "fast_returns"
/kmr/bin/kprobes_check >check.log 2>&1 || { cat check.log; kmr_fail "kprobes_check failed"; }
cat check.log
assert_grep '^kprobes_check: PASS$' check.log
kmr_dmesg_has 'fast_returns=N' || kmr_fail "the module did not say it uses the kprobes"
# After the linger the hooks are gone: no kprobe of ours is left enabled.
for _ in $(seq 50); do
	[ "$(cat /sys/module/kmemrec/parameters/hooks_registered)" = N ] && break
	sleep 0.2
done
assert_eq "$(cat /sys/module/kmemrec/parameters/hooks_registered)" N "hooks after the linger"
# (Registered from load to rmmod, enabled only while the hooks are in.)
kp=/sys/kernel/debug/kprobes/list
if [ -r $kp ]; then
	cat $kp
	grep -E ' r +(handle_mm_fault|remove_migration_pte|begin_new_exec)\+' $kp |
		grep -v DISABLED && kmr_fail "a kretprobe of kmemrec still enabled after the linger"
fi
kmr_rmmod kmemrec
kmr_insmod kmemrec
