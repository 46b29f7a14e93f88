# Issue 9 finding 10: the START snapshot waits for ring space while holding
# the target's mmap_lock, so a recorder that never consumes stalls the
# target's mmap/munmap for as long as START waits (10 s before it gives
# up).  The target of khostile_ctlpage, with a recorder that never writes a
# tail: the target, which maps and unmaps a page in a loop, must never
# stall for more than 3 s (x KMR_TIME_SCALE) while START runs.
# kmr-tier: stress
# kmr-timeout: 900
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-bin: khostile
kmr_hold_hooks
khostile ctl 5 --progress >ctl.log 2>&1 || { cat ctl.log; kmr_fail "khostile ctl --progress: $(grep -m1 -E '^(FAIL|ERROR)' ctl.log | cut -c1-150)"; }
kmr_release_hooks
cat ctl.log
