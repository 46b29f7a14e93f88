# kmemrec's ways to start and stop (guest half; host half: .host.sh):
#   attach to a running process by PID, stop it with SIGINT  -> int.kmr
#   attach by PID with --duration                            -> dur.kmr
#   --comm NAME --comm-once: waiting for one that starts later -> comm.kmr
#   a program it starts gets THP as the recorder found it, not its own
#   setting (THP off)
# Each must leave a finished trace (index, seek table) and exit 0, and the
# traced process must keep running or end as it would have.
# kmr-bin: kmemrec kmrt-strlit kmrt-twecho
# kmr-timeout: 300

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

# 1. attach by pid, stop with SIGINT
kmrt-strlit --interval 50 >strlit.out &
target=$!
sleep 0.5
kmemrec "$target" -o int.kmr 2>int.err &
rec=$!
# kmemrec says when the session runs; then let it record a while.
for _ in $(seq 200); do grep -q '^kmemrec: recording pid' int.err && break; sleep 0.1; done
assert_grep "^kmemrec: recording pid $target \\(kmrt-strlit\\) into int.kmr" int.err
# The recorder faults its own memory in 4 KiB pages (own_memory.h).
if grep -q '^THP_enabled:' /proc/self/status; then
	assert_grep '^THP_enabled:[[:space:]]*0' "/proc/$rec/status"
fi
sleep 2
kill -INT "$rec"
rc=0
wait "$rec" || rc=$?
cat int.err
assert_eq "$rc" 0 "kmemrec exit status after SIGINT"
assert_grep "stopped by SIGINT" int.err
assert_grep "still running" int.err
kill -0 "$target" || kmr_fail "the target died with the recorder"
echo "int_pid=$target" >modes.env

# 2. attach by pid with --duration
rc=0
kmemrec "$target" -o dur.kmr --duration 1500ms 2>dur.err || rc=$?
cat dur.err
assert_eq "$rc" 0 "kmemrec --duration exit status"
assert_grep "duration elapsed" dur.err
kill "$target"
wait "$target" 2>/dev/null || true

# 3. --comm: the recorder waits, the program starts later
kmemrec --comm kmrt-twecho --comm-once --comm-timeout 60 -o comm.kmr 2>comm.err &
rec=$!
sleep 1
# Long enough to outlive the recorder's start (attach, rings) under TCG.
kmrt-twecho --count 20 --interval 200 -- hello >twecho.out &
tw=$!
rc=0
wait "$rec" || rc=$?
wait "$tw" || kmr_fail "kmrt-twecho failed"
cat comm.err
assert_eq "$rc" 0 "kmemrec --comm exit status"
assert_grep "recorded pid $tw \\(kmrt-twecho\\)" comm.err
assert_grep "the target exited" comm.err
echo "comm_pid=$tw" >>modes.env

# 4. the device is free again: a new session starts at once
kmemrec -o again.kmr -- kmrt-strlit --count 1 --interval 1 >/dev/null 2>again.err ||
	kmr_fail "a new session after the others: $(cat again.err)"

# 5. THP: off for the recorder (checked in 1.), as inherited for the
# program it starts (PR_SET_THP_DISABLE goes through fork and exec).
if grep -q '^THP_enabled:' /proc/self/status; then
	kmemrec -q -o thp.kmr -- grep '^THP_enabled:' /proc/self/status >thp.out 2>thp.err ||
		kmr_fail "kmemrec -- grep THP_enabled: $(cat thp.err)"
	cat thp.out
	assert_grep '^THP_enabled:[[:space:]]*1' thp.out
else
	echo "no THP_enabled in /proc/self/status: THP check skipped"
fi
