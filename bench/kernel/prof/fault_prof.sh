# Issue 10 profile (not a test): where a traced anonymous write fault's
# instructions go, by function.  Run by bench/kernel/profile.sh, which
# boots the guest with the kmr_prof plugin; each kmr-prof-mark on/off pair
# is one window of counts on the host (prof.1, prof.2, ...):
#   1. kb_faultcost plain      (untraced)
#   2. kb_faultcost traced     (every event kind, the minimal reader)
#   3. kb_faultcost bystander  (untraced, a session on another process)
#   4. kb_start work           (the fault workload, untraced)
#   5. kmemrec -- kb_start work (the same under the real recorder: the
#                               whole run, start and stop included)
# kmr-timeout: 2400
# kmr-icount: shift=0
# kmr-bin: kb_faultcost kb_start kmemrec kmr-prof-mark

PAGES=${KMR_PROF_PAGES:-16384}
REPS=${KMR_PROF_REPS:-5}
echo 0 >/proc/sys/kernel/kptr_restrict
kmr_module_loaded kmemrec || kmr_insmod kmemrec
# First touches of guest memory cost more (struct page init): warm up,
# and register the hooks once (a cold ATTACH is not what this profiles).
kb_faultcost plain 150000 1 >/dev/null
kb_faultcost traced 16384 1 >/dev/null
# After a session the hooks linger a moment, then go: an untraced window
# that starts before would count them (an ftrace_ops call per fault).
# Polled with the shell's own read: a $(cat) or a sleep per poll is a
# fork and an exec of busybox (~1.5 M instructions each), which inside
# window 5 was ~30 M more than the recording cost (the linger is 2 s).
unhooked() {
	local h
	while read -r h </sys/module/kmemrec/parameters/hooks_registered &&
	      [ "$h" != N ]; do
		sleep 0.5
	done
}
for mode in plain traced bystander; do
	unhooked
	kmr-prof-mark on
	kb_faultcost $mode "$PAGES" "$REPS" | tee -a figures.txt
	kmr-prof-mark off
done
# The whole-run workload, untraced and under the real recorder
# (its start, its threads, its stop and the hooks' linger all count).
# Windows 4 and 5 both end with one sleep past the linger (one busybox
# exec each, so they cancel) and one poll.
linger=$(( $(cat /sys/module/kmemrec/parameters/hook_linger_ms) / 1000 + 1 ))
unhooked
kmr-prof-mark on
kb_start work "$PAGES" "$REPS" | tee -a figures.txt
sleep "$linger"
unhooked
kmr-prof-mark off
unhooked
kmr-prof-mark on
kmemrec -q -o /tmp/prof.kmr -- kb_start work "$PAGES" "$REPS" | tee -a figures.txt
sleep "$linger"
unhooked	# the hooks' removal after the recording counts too
kmr-prof-mark off
# (not profiled) the recorder's memory: THP mode, its rollup mid-run
cat /sys/kernel/mm/transparent_hugepage/enabled | tee -a figures.txt
kmemrec -q -o /tmp/prof.kmr -- kb_start work "$PAGES" "$REPS" >/dev/null &
rec=$!
sleep 0.3	# guest time is instructions: the recording lasts ~1 s
grep -E '^(Rss|AnonHugePages|THP_enabled)' /proc/$rec/smaps_rollup /proc/$rec/status |
	sed 's/^/recorder /' | tee -a figures.txt
wait
rm -f /tmp/prof.kmr
cat /proc/kallsyms >kallsyms.txt
