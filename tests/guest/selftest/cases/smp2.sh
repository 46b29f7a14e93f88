# Harness self-test: a case that needs two vCPUs gets its own -smp 2 boot.
# Load/unload cycles are what hung TCG SMP guests (docs/kernel-hooks.md §9).
# kmr-smp: 2
assert_eq "$(nproc)" 2 "nproc"
i=0
while [ $i -lt 10 ]; do
	kmr_insmod kmr_smoke
	cat /dev/kmr_smoke >/dev/null
	kmr_rmmod kmr_smoke
	i=$((i + 1))
done
# Both CPUs really run: pin a busy loop on each.
taskset -c 1 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done' &
taskset -c 0 sh -c 'i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done'
wait
