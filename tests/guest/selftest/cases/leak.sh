# Harness self-test (debug kernel): the smoke module kmallocs 64 bytes and
# forgets the pointer.  kmemleak finds the object at init's next scans (it
# must be 5 s old and unchanged across two scans) and the harness must blame
# it on this case, not on the case that happens to run when it is reported.
# kmr-kernels: 6.12-debug
kmr_insmod kmr_smoke
echo leak >/dev/kmr_smoke
kmr_rmmod kmr_smoke
