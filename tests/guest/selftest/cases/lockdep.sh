# Harness self-test (debug kernel): the smoke module takes two mutexes in
# both orders (never at the same time, so nothing deadlocks).  Lockdep
# reports the possible circular dependency; the harness must FAIL this case.
# kmr-kernels: 6.12-debug
kmr_insmod kmr_smoke
echo lockdep >/dev/kmr_smoke
kmr_rmmod kmr_smoke
