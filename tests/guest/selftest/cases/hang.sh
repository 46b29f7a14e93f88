# Harness self-test: spinning with interrupts off freezes a 1-vCPU guest
# without any message; only the host's per-boot time limit can end it.
kmr_insmod kmr_smoke
echo hang >/dev/kmr_smoke
