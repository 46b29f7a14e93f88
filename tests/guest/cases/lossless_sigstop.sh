# kmemrec --lossless with a 256 KiB ring keeps every record of a fault-heavy
# target (kmrt-faultbench) while the recorder cannot keep up: (1) kmemrec is
# stopped (SIGSTOP) for 2 s while the target faults: the target is held
# meanwhile and goes on after SIGCONT; (2) kmemrec runs in a cgroup v2 limited
# to 5 % of a CPU (cpu.max), if the kernel has the cpu controller.  Both:
# exit status 0, "0 lost", the target ends normally, and the host check
# (.host.sh) replays each trace to every checkpoint and demands the kernel's
# own maps and pagemap exactly.
# (3) several threads held at once: kmemrec launches kmrt-threads (4 threads
# faulting in rounds) and is stopped for 1 s.
# kmr-bin: kmemrec kmrt-faultbench kmrt-threads
# kmr-timeout: 240

. /kmr/lib/lossless.sh
[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"
FB="-s 24M -k 384"

# (1) the recorder stopped for 2 s
ll_start stop $FB
kill -STOP "$LL_REC"
ll_go
sleep 1
ll_held "$LL_TARGET" && held=yes || held=no
sleep 1
kill -CONT "$LL_REC"
rc=0
wait "$LL_TARGET" || rc=$?
assert_eq "$rc" 0 "kmrt-faultbench's exit status"
rc=0
wait "$LL_REC" || rc=$?
cat stop/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status (3: events lost)"
assert_eq "$held" yes "target held (no page fault) while kmemrec was stopped"
ll_summary stop
# stopped for 2 s, held at most from the ring's first half-fill to SIGCONT
assert_ge "$LL_HELD_MS" 1000 "ms the target was held while kmemrec was stopped"
assert_grep '^note phase churn ' stop/target.out "kmrt-faultbench's last phase"

# (2) the recorder limited by cgroup v2 cpu.max
CG=/sys/fs/cgroup
mkdir -p $CG
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG 2>/dev/null || true
if [ -f $CG/cgroup.controllers ] && grep -qw cpu $CG/cgroup.controllers &&
	echo +cpu >$CG/cgroup.subtree_control 2>/dev/null &&
	mkdir -p $CG/kmr-slow && [ -f $CG/kmr-slow/cpu.max ]; then
	echo "5000 100000" >$CG/kmr-slow/cpu.max
	# kmemrec runs in the cgroup from its first instruction
	cat >slowrec <<EOS
#!/bin/sh
echo \$\$ >$CG/kmr-slow/cgroup.procs && exec "\$@"
EOS
	chmod +x slowrec
	LL_REC_WRAP=./slowrec
	ll_start cpumax $FB
	ll_go
	rc=0
	wait "$LL_TARGET" || rc=$?
	assert_eq "$rc" 0 "kmrt-faultbench's exit status (cpu.max)"
	rc=0
	wait "$LL_REC" || rc=$?
	cat cpumax/kmemrec.err
	assert_eq "$rc" 0 "kmemrec's exit status under cpu.max (3: events lost)"
	ll_summary cpumax
	assert_ge "$LL_WAITS" 1 "waits of the target while kmemrec was throttled"
	rmdir $CG/kmr-slow 2>/dev/null || true
	echo cpumax=yes >>stop/ll.env
else
	rmdir $CG/kmr-slow 2>/dev/null || true
	kmr_note "no cgroup v2 cpu.max in this guest (cpu controller or CFS bandwidth control missing): the cpu.max run is skipped"
fi

# (3) four threads of one target held together (launch mode: the target is
# kmemrec's child, and stopping kmemrec does not stop it)
mkdir -p threads/ckpt
kmemrec --lossless --buffer-size $LL_RING -o threads/trace.kmr -- \
	kmrt-threads -v -C "$PWD/threads/ckpt" --threads 4 --pages 1024 --rounds 4 \
	>threads/target.out 2>threads/kmemrec.err &
rec=$!
for _ in $(seq 300); do
	grep -q '^kmemrec: recording pid' threads/kmemrec.err && break
	sleep 0.1
done
sleep 0.3
kill -STOP "$rec"
sleep 1
kill -CONT "$rec"
rc=0
wait "$rec" || rc=$?
cat threads/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status with kmrt-threads (3: events lost)"
# kmemrec may see the EXIT record before its child can be reaped ("still
# running (no longer traced)"): the target's own output says it finished.
grep -q 'the target exited' threads/kmemrec.err ||
	kmr_fail "kmrt-threads did not exit: $(cat threads/kmemrec.err)"
assert_grep '^ckpt joined-3' threads/target.out "kmrt-threads' last round"
ll_summary threads
pid=$(sed -n 's/^kmemrec: recorded pid \([0-9]*\) .*/\1/p' threads/kmemrec.err)
echo "pid=$pid" >threads/ll.env
