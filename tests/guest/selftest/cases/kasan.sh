# Harness self-test (debug kernel): a one-byte out-of-bounds read in the
# smoke module.  KASAN reports it and the boot goes on; the harness must
# FAIL this case (not the next one) although the script exits 0.
# kmr-kernels: 6.12-debug
kmr_insmod kmr_smoke
echo oob >/dev/kmr_smoke
kmr_rmmod kmr_smoke
