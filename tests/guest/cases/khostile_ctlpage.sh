# Hostile recorder: while START snapshots a target far bigger than its
# 64 KiB rings, another thread rewrites every ring's tail each millisecond
# (past head, ~0, backwards, misaligned, random, sometimes honest).  START
# must return, STOP must work, poll must say HUP after an honest drain and
# the kernel must not follow the bogus tails (KASAN catches a ring overrun
# on the debug kernel).  10 rounds, true parallel vCPUs.
# kmr-tier: stress
# kmr-timeout: 900
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-bin: khostile
kmr_hold_hooks
khostile ctl 10 >ctl.log 2>&1 || { cat ctl.log; kmr_fail "khostile ctl: $(grep -m1 -E '^(FAIL|ERROR)' ctl.log | cut -c1-150)"; }
kmr_hooks_registered || kmr_fail "the hooks were not held for the whole case"
kmr_release_hooks
cat ctl.log
