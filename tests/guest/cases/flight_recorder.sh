# kmemrec --flight-recorder SIZE keeps only the last SIZE of compressed
# trace and writes it when something happens (issue 12):
# (1) kmrt-crash runs 40 rounds of mmap/write/munmap (16 MiB each, about
#     330k events, ~330 KiB of trace: since one record per fault, 50 rounds
#     of 8 MiB compress to 216 KiB and fit in 256K; bigger rounds rather
#     than more, as the checkpoints grow with rounds squared and stay in
#     the guest's tmpfs until the boot ends) and then writes to a
#     read-only page: the SIGSEGV, reported by the kernel before the (slow,
#     piped) core dump and the exit, writes the file, which begins at a keyframe
#     after older trace was dropped, replays on its own, and holds the last
#     rounds; its host check compares every checkpoint inside the window with
#     the kernel's maps and pagemap and looks at the crash page at "end";
# (2) SIGUSR1 three times with --trigger-repeat 3: trace.1.kmr .. trace.3.kmr,
#     then the recording stops by itself;
# (3) the target OOM-killed in a memory cgroup (memory.max 48M): the file
#     says "target OOM-killed".  The OOM report's stack dump would read as a
#     kernel splat on the console, so the console log level is lowered for
#     that run only and the kernel log of the run is searched for any other
#     splat instead.
# kmr-bin: kmemrec kmrt-crash
# kmr-timeout: 300

[ -c /dev/kmemrec ] || kmr_fail "/dev/kmemrec missing: the module did not load"

# wait_recording DIR: kmemrec's stderr says the session runs
wait_recording() {
	for _ in $(seq 300); do
		grep -q '^kmemrec: recording pid' "$1/kmemrec.err" && return 0
		sleep 0.1
	done
	kmr_fail "kmemrec did not start: $(cat "$1/kmemrec.err")"
}

# (1) SIGSEGV after a long run.  The core dump goes to a pipe whose reader
# waits 4 s first, so the target dies slowly: the file must be written from
# the kernel's SIGNAL record, before the core dump and the exit (the host
# check finds no EXIT in it).
mkdir -p segv/ckpt
cat >slowcore <<'EOS'
#!/bin/sh
sleep 4
cat >/dev/null
EOS
chmod +x slowcore
pattern=$(cat /proc/sys/kernel/core_pattern)
echo "|$PWD/slowcore" >/proc/sys/kernel/core_pattern
rc=0
kmemrec --flight-recorder 256K -o segv/trace.kmr -- \
	kmrt-crash -v -C "$PWD/segv/ckpt" --rounds 40 --size 16M --interval 0 --end segv \
	>segv/target.out 2>segv/kmemrec.err || rc=$?
cat segv/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status"
assert_file segv/trace.kmr
assert_grep 'written on: target killed by SIGSEGV at 0x[0-9a-f]*, before its core dump' \
	segv/kmemrec.err "the trigger"
assert_grep 'before it dropped' segv/kmemrec.err "older trace dropped (the window is not the whole run)"
assert_grep '^note crash-page ' segv/target.out "the target's crash page"
sed -n 's/^note crash-page \([0-9a-f]*\)/page=\1/p' segv/target.out >segv/crash.env
# the target is still dumping core: kmemrec did not wait for it
crash_pid=$(sed -n 's/^kmemrec: recording pid \([0-9]*\).*/\1/p' segv/kmemrec.err)
[ -n "$crash_pid" ] && kill -0 "$crash_pid" 2>/dev/null ||
	kmr_fail "kmrt-crash ($crash_pid) was gone before kmemrec ended: the trigger waited for the exit"
for _ in $(seq 100); do kill -0 "$crash_pid" 2>/dev/null || break; sleep 0.1; done
echo "$pattern" >/proc/sys/kernel/core_pattern

# (2) SIGUSR1 three times
mkdir -p usr1/ckpt
kmemrec --flight-recorder 1M --trigger-repeat 3 -o usr1/trace.kmr -- \
	kmrt-crash -v -C "$PWD/usr1/ckpt" --rounds 150 --size 256K --interval 20 --end exit \
	>usr1/target.out 2>usr1/kmemrec.err &
rec=$!
wait_recording usr1
for i in 1 2 3; do
	sleep 1
	kill -USR1 "$rec"
	# the next trigger only once this one's file is there
	for _ in $(seq 100); do
		[ -s usr1/trace.$i.kmr ] && break
		sleep 0.1
	done
done
rc=0
wait "$rec" || rc=$?
cat usr1/kmemrec.err
assert_eq "$rc" 0 "kmemrec's exit status (SIGUSR1)"
for i in 1 2 3; do assert_file usr1/trace.$i.kmr; done
[ ! -e usr1/trace.4.kmr ] || kmr_fail "a fourth file with --trigger-repeat 3"
assert_eq "$(grep -c 'written on: SIGUSR1' usr1/kmemrec.err)" 3 "files written on SIGUSR1"
assert_grep 'the flight recorder was triggered' usr1/kmemrec.err "the recording ended by itself"
# launch mode: the target runs on untraced; it is ours to end
pkill kmrt-crash 2>/dev/null || true

# (3) the OOM killer
CG=/sys/fs/cgroup
mkdir -p $CG
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG 2>/dev/null || true
if [ -f $CG/cgroup.controllers ] && grep -qw memory $CG/cgroup.controllers &&
	echo +memory >$CG/cgroup.subtree_control 2>/dev/null; then
	mkdir -p $CG/kmr-oom oom
	echo 48M >$CG/kmr-oom/memory.max
	echo 0 >$CG/kmr-oom/memory.swap.max 2>/dev/null || true
	# only the target in the cgroup, from its first instruction
	cat >oomwrap <<EOS
#!/bin/sh
echo \$\$ >$CG/kmr-oom/cgroup.procs && exec "\$@"
EOS
	chmod +x oomwrap
	level=$(awk '{print $1}' /proc/sys/kernel/printk)
	dmesg -n 1
	rc=0
	kmemrec --flight-recorder 512K -o oom/trace.kmr -- \
		./oomwrap kmrt-crash -v --rounds 4 --size 1M --interval 0 --end oom \
		>oom/target.out 2>oom/kmemrec.err || rc=$?
	dmesg -n "$level"
	cat oom/kmemrec.err
	rmdir $CG/kmr-oom 2>/dev/null || true
	assert_eq "$rc" 0 "kmemrec's exit status (OOM)"
	assert_file oom/trace.kmr
	assert_grep 'written on: target OOM-killed' oom/kmemrec.err "the OOM trigger"
	kmr_dmesg_has 'Killed process' || kmr_fail "no OOM kill in the kernel log"
	dmesg >oom/dmesg.txt
	if grep -E 'cut here|WARNING: CPU|BUG: |Oops|KASAN|KFENCE|kernel BUG' oom/dmesg.txt; then
		kmr_fail "a kernel splat during the OOM run (see oom/dmesg.txt)"
	fi
else
	kmr_note "no cgroup v2 memory controller in this guest: the OOM run is skipped"
fi
echo "flight recorder ok"
