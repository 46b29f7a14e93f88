# Harness self-test (debug kernel): the same smoke module work as the
# detector cases without a bad trigger.  Must PASS: the detectors blame the
# case that misbehaved, never its neighbours.
# kmr-kernels: 6.12-debug
i=0
while [ $i -lt 5 ]; do
	kmr_insmod kmr_smoke
	cat /dev/kmr_smoke >/dev/null
	kmr_rmmod kmr_smoke
	i=$((i + 1))
done
# Let kmemleak see this case's allocations old enough to report.
sleep 6
