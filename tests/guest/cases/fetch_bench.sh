# kmemfetch's speed figures (bench/fetch/fetch_bench.cpp): bulk reads of
# 64 MiB through pread on the session fd, KMR_IOC_MEM (GUP),
# process_vm_readv and /proc/PID/mem in the same run, and single 8-byte
# read latency.  Only the data is checked (every read equals the pattern);
# the figures are printed and kept in bench.txt, never asserted.
# kmr-bin: fetch_bench
# kmr-timeout: 600

fetch_bench --size 64 --reps 5 --iters 20000 | tee bench.txt
assert_grep '^  pread .* ok$' bench.txt
