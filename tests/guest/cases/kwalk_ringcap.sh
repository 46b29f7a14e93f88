# Ring memory is bounded and charged (issue 9, finding 6).  ringcap: ATTACH
# after ATTACH with 8 MiB rings until the module's cap on the ring memory of
# all sessions (default a quarter of RAM, module parameter ring_mem_max_mb)
# refuses one with ENOSPC; 1 GiB rings are refused at once; closing a
# session makes room; a lowered cap applies to the next ATTACH.  memcg: a
# process in a memory cgroup limited to 48 MiB gets 4 MiB rings charged to
# the cgroup and 64 MiB rings refused with ENOMEM, with no OOM kill and the
# cgroup never over its limit (skipped, after the rest passed, on a kernel
# without the memory controller).  No allocation warning may reach the log.
# The recorder names the cap when it is what refused its rings.
# kmr-timeout: 300
# kmr-bin: kwalk_check kmemrec

kmr_module_loaded kmemrec || kmr_insmod kmemrec
rc=0
kwalk_check ringcap 8 >ringcap.log 2>&1 || rc=$?
cat ringcap.log
[ "$rc" = 0 ] || kmr_fail "ringcap: $(tail -2 ringcap.log | head -1)"
rc=0
kmemrec --buffer-size 1G -o big.kmr -- true >big.out 2>&1 || rc=$?
cat big.out
assert_eq "$rc" 1 "kmemrec exit status with 1 GiB rings per CPU"
assert_grep "kmemrec: error: the rings would pass the module's cap on ring memory" big.out
[ ! -e big.kmr ] || kmr_fail "a refused recording left big.kmr"

# memcg needs the memory controller (the debug kernel's small config has
# none): the parts above passed, this one is skipped, and says so.
CG=/sys/fs/cgroup
mkdir -p $CG
grep -q " $CG cgroup2 " /proc/mounts || mount -t cgroup2 none $CG 2>/dev/null || true
grep -qw memory $CG/cgroup.controllers 2>/dev/null ||
	kmr_skip "ringcap and the 1 GiB refusal passed; memcg not run: this kernel has no memory cgroup controller (CONFIG_MEMCG)"
rc=0
kwalk_check memcg 48 >memcg.log 2>&1 || rc=$?
cat memcg.log
[ "$rc" = 0 ] || kmr_fail "memcg: $(tail -2 memcg.log | head -1)"
