# A --lossless target never hangs on its recorder, and its waits are
# killable: with kmemrec stopped (SIGSTOP) the fault-heavy target is held;
# (1) rmmod is refused meanwhile; (2) kmemrec is SIGKILLed: the target goes
# on at once and finishes normally; (3) a held target that is SIGKILLed dies
# at once; (4) once nothing is held the module unloads (and is loaded again
# for the cases after this one).
# kmr-bin: kmemrec kmrt-faultbench
# kmr-timeout: 240

. /kmr/lib/lossless.sh
[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
FB="-s 24M -k 384"

# (1) + (2): the recorder killed while the target is held
ll_start kill $FB
kill -STOP "$LL_REC"
ll_go
sleep 1
ll_held "$LL_TARGET" || kmr_fail "the target was not held while kmemrec was stopped"
kmr_note "held target: wchan $(cat /proc/$LL_TARGET/wchan 2>/dev/null), state $(awk '{print $3}' /proc/$LL_TARGET/stat)"
assert_fails rmmod kmemrec
kmr_module_loaded kmemrec || kmr_fail "rmmod unloaded the module while a target was held"
t0=$(kmr_uptime)
kill -KILL "$LL_REC"
wait "$LL_REC" 2>/dev/null || true
rc=0
wait "$LL_TARGET" || rc=$?
t1=$(kmr_uptime)
assert_eq "$rc" 0 "exit status of the target after its recorder was killed"
assert_grep '^note phase churn ' kill/target.out "the target's last phase"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
kmr_note "the target finished ${secs}s after its recorder was SIGKILLed"
# alone the target needs a second or two here; a wait on the dead recorder
# would have taken for ever
awk -v s="$secs" -v m="$(kmr_scaled 30)" 'BEGIN { exit !(s < m) }' ||
	kmr_fail "the target took ${secs}s to finish after its recorder died"

# (3): a held target SIGKILLed dies at once
ll_start killtarget $FB
kill -STOP "$LL_REC"
ll_go
sleep 1
ll_held "$LL_TARGET" || kmr_fail "the target was not held while kmemrec was stopped"
t0=$(kmr_uptime)
kill -KILL "$LL_TARGET"
rc=0
wait "$LL_TARGET" || rc=$?
t1=$(kmr_uptime)
assert_eq "$rc" 137 "exit status of the SIGKILLed held target"
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }')
kmr_note "the held target died ${secs}s after SIGKILL"
awk -v s="$secs" -v m="$(kmr_scaled 5)" 'BEGIN { exit !(s < m) }' ||
	kmr_fail "the held target took ${secs}s to die after SIGKILL"
kill -CONT "$LL_REC"
rc=0
wait "$LL_REC" || rc=$?
cat killtarget/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status after its target was killed (3: events lost)"
ll_summary killtarget

# (4): nothing is held any more: the module unloads
kmr_rmmod kmemrec
kmr_insmod kmemrec
