# Harness self-test: under --icount, guest time counts instructions, so the
# cost of a page fault in guest nanoseconds repeats exactly once the kernel
# has warmed up (icount.host.sh compares the last runs).  Measured: 6.1 is
# steady from the first run; on 6.12 the first three or four runs after
# boot cost up to 2x more per fault before settling, so benchmarks need a
# warm-up too.  Needs faults (selftest/progs) in /kmr/files/bin.
# kmr-timeout: 300
for i in 1 2 3 4 5 6 7 8; do
	faults 20000 >>per-fault.txt
done
cat per-fault.txt
