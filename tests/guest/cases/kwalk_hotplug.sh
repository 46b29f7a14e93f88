# Drops are reported even from the ring of a CPU that went offline (issue
# 9, finding 13).  A target pinned to CPU 1 overflows its 64 KiB ring while
# nobody reads; CPU 1 is taken offline before the drops were reported; STOP
# must still send that ring's LOST record: the LOST counts equal the rings'
# drop counters.  CPU 1 is brought back online.
# kmr-smp: 2
# kmr-timeout: 180
# kmr-bin: kwalk_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
kmr_require_cpus 2
trap 'echo 1 >/sys/devices/system/cpu/cpu1/online 2>/dev/null || true' EXIT
rc=0
kwalk_check hotplug >hotplug.log 2>&1 || rc=$?
cat hotplug.log
[ "$rc" = 77 ] && kmr_skip "$(head -1 hotplug.log)"
[ "$rc" = 0 ] || kmr_fail "$(tail -2 hotplug.log | head -1)"
assert_eq "$(cat /sys/devices/system/cpu/cpu1/online)" 1 "CPU 1 online again"
