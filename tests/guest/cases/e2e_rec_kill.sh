# A SIGKILLed recorder (guest half; host half: .host.sh): kmemrec records
# kmrt-mmap, which checkpoints and then holds; two seconds later (two chunk
# flushes) kmemrec gets SIGKILL.  The file must read up to its last whole
# chunk (the host replays it to every checkpoint taken before the kill),
# the kernel must be clean (closing the fd detached the session: a new
# session starts, the module unloads at the end), and the target must go on
# untraced.
# kmr-bin: kmemrec kmrt-mmap
# kmr-timeout: 300

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
mkdir -p ckpt
kmemrec -o kill.kmr -- kmrt-mmap -v -H -C "$KMR_OUT/ckpt" >target.out 2>kmemrec.err &
rec=$!
for _ in $(seq 100); do grep -q '^hold ' target.out && break; sleep 0.1; done
target=$(sed -n 's/^hold populated pid=//p' target.out)
[ -n "$target" ] || kmr_fail "kmrt-mmap never reached its hold point"
sleep 2.5
# Only the checkpoints taken so far (>= 2.5 s before the kill) can be in it.
ls ckpt >before-kill.list
kill -KILL "$rec"
wait "$rec" 2>/dev/null || true
kill -0 "$target" || kmr_fail "the target died with the recorder"
# The session is gone: a new one starts at once on another target.
kmemrec -o after.kmr -- kmrt-mmap >/dev/null 2>after.err ||
	kmr_fail "new session after SIGKILL: $(cat after.err)"
kill -USR1 "$target"
for _ in $(seq 50); do kill -0 "$target" 2>/dev/null || break; sleep 0.1; done
kill -0 "$target" 2>/dev/null && kmr_fail "the target did not finish after its hold"
echo "pid=$target" >kill.env
ls -l kill.kmr
