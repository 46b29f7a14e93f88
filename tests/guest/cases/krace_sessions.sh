# Race: 12 sessions on one target that execs twice and exits, 200 times on
# two truly parallel vCPUs.  Every session must end with exactly one EXIT
# record.  Issue 9 finding 7: at most 8 sessions per mm, the 9th WARNs and
# loses EXEC/EXIT.
# kmr-tier: stress
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-bin: krace
kmr_hold_hooks
rc=0
krace sessions 200 12 >sessions.log 2>&1 || rc=$?
kmr_release_hooks
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR)' sessions.log | head -20; kmr_fail "krace sessions: $(grep -m1 -E '^(FAIL|ERROR)' sessions.log | cut -c1-150)"; }
tail -3 sessions.log
