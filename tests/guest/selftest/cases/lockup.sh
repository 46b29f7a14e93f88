# Harness self-test: a soft lockup (spinning with preemption off) panics the
# guest (softlockup_panic=1); the harness must report a hang-like FAIL.
# kmr-timeout: 120
kmr_insmod kmr_smoke
echo lockup >/dev/kmr_smoke
