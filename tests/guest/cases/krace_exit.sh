# Race: the target's exit against DETACH, STOP and close() of two sessions,
# under compaction (compact_memory in a loop) and MADV_PAGEOUT to zram swap,
# 200 iterations on two truly parallel vCPUs (issue 9 finding 1 when it
# oopses).  The hooks are held for the whole race (kmr_hold_hooks).
# kmr-tier: stress
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-kmod: zram
# kmr-bin: krace
kmr_swap_on 128
kmr_hold_hooks
rc=0
krace exit 200 >exit.log 2>&1 || rc=$?
kmr_hooks_registered || kmr_fail "the hooks were not held for the whole race"
kmr_release_hooks
kmr_swap_off
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR)' exit.log | head -20; kmr_fail "krace exit: $(grep -m1 -E '^(FAIL|ERROR)' exit.log | cut -c1-150)"; }
tail -3 exit.log
