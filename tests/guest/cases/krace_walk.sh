# Race: a target maps, touches and unmaps/mremaps/DONTNEEDs 2 MiB chunks
# from two threads (page tables freed all the time) while KMR_IOC_WALK,
# KMR_IOC_MEM walk-mode reads and 200 ATTACH+START+STOP snapshot cycles
# walk its page tables from other threads, on two truly parallel vCPUs
# (issue 9 finding 2 when KASAN or debug_pagealloc fires).
# kmr-tier: stress
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-bin: krace
kmr_hold_hooks
rc=0
krace walk 200 >walk.log 2>&1 || rc=$?
kmr_release_hooks
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR)' walk.log | head -20; kmr_fail "krace walk: $(grep -m1 -E '^(FAIL|ERROR)' walk.log | cut -c1-150)"; }
tail -3 walk.log
