# Harness self-test: a hang in a -smp 2 boot is retried once (the TCG SMP
# hang of docs/kernel-hooks.md §9 is usually transient); this one hangs every
# time, so the harness must report RETRIED for the first boot and FAIL.
# kmr-smp: 2
kmr_insmod kmr_smoke
echo hang >/dev/kmr_smoke
