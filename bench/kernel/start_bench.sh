# Issue 10 benchmark (not a test: it prints figures, fails only if a
# program fails): what starting and stopping a recording costs, under
# -icount shift=0 on one vCPU (guest ns = instructions; "busy" = the whole
# machine's non-idle time from /proc/stat, 10 ms ticks).  See kb_start.c.
#   true      kmemrec -q -o FILE -- /bin/true (first run: hooks cold)
#   attach K  K running targets, K recorders launched at once: launch to
#             "recording pid" (START returned, live events flow)
#   fault     16384 pages x 5 rounds untraced and under kmemrec: whole run
#             and per fault in the task (its clock and its CPU time), then
#             a "fault summary" line with the three ratios
#   idle      the same workload's per-fault cost with the module unloaded,
#             loaded and never used, loaded with the hooks lingering after
#             a session, and loaded after the linger
# kmr-timeout: 2400
# kmr-icount: shift=0
# kmr-bin: kb_start kmemrec

linger_s() {
	ms=$(cat /sys/module/kmemrec/parameters/hook_linger_ms 2>/dev/null || echo 0)
	echo $((ms / 1000 + 2))
}

# idle cost first: the module fresh, no session ever
per_fault() {
	kb_start work 16384 1 | awk '{ printf "%d", $2 / $4 }'
}
kmr_rmmod kmemrec
kb_start work 16384 1 >/dev/null	# first touches of guest memory
echo "idle unloaded per_fault $(per_fault) $(per_fault)"
kmr_insmod kmemrec
echo "idle loaded_unused per_fault $(per_fault) $(per_fault)"

kb_start -n 3 true
kmemrec -q -o /tmp/x.kmr -- /bin/true
echo "idle lingering per_fault $(per_fault)"
sleep "$(linger_s)"
echo "idle after_linger per_fault $(per_fault) $(per_fault)"
rm -f /tmp/x.kmr

for k in 1 2 4; do
	kb_start -n 2 attach $k
done
kb_start -n 2 fault 16384 5 | tee /tmp/fault.txt
# The three fault figures, kmemrec's mean over untraced's (the
# warm-up run, kb_start's first untraced one, is left out): the whole run
# (run_ns: every CPU's non-idle time until the hooks are gone), the task's
# clock per fault (on one vCPU the recorder runs inside it) and the task's
# own CPU time per fault.
awk '$1 == "fault" {
	m = $3
	for (i = 4; i < NF; i += 2) v[$i] = $(i + 1)
	if (m == "untraced" && !warm) { warm = 1; next }
	n[m]++; run[m] += v["run_ns"]; task[m] += v["per_fault"]; cpu[m] += v["cpu_per_fault"]
}
END {
	if (!n["untraced"] || !n["kmemrec"]) exit 1
	printf "fault summary runs %d run_ratio %.3f task_ratio %.3f cpu_ratio %.3f\n",
	       n["kmemrec"], (run["kmemrec"] / n["kmemrec"]) / (run["untraced"] / n["untraced"]),
	       (task["kmemrec"] / n["kmemrec"]) / (task["untraced"] / n["untraced"]),
	       (cpu["kmemrec"] / n["kmemrec"]) / (cpu["untraced"] / n["untraced"])
}' /tmp/fault.txt || kmr_fail "no fault figures to sum up"
rm -f /tmp/fault.txt
