# kretprobe exhaustion: 1200 threads of a traced target asleep in
# userfaultfd faults at once (each holds a handle_mm_fault kretprobe
# instance; the module asks for maxactive 1024), while 64 other faults
# happen; 3 rounds.  All threads must finish, and the session must account
# for every other fault as a record or a reported loss (issue 9 finding 8:
# dropped with no LOST record).
# kmr-tier: pending
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-mttcg: 1
# kmr-bin: krace
kmr_hold_hooks
rc=0
krace kretprobe 1200 3 >kretprobe.log 2>&1 || rc=$?
kmr_release_hooks
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR|round)' kretprobe.log | head -20; kmr_fail "krace kretprobe: $(grep -m1 -E '^(FAIL|ERROR)' kretprobe.log | cut -c1-150)"; }
cat kretprobe.log
