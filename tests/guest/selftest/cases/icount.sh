# Harness self-test: under --icount, guest time counts instructions, so the
# cost of a page fault in guest nanoseconds repeats closely from run to run
# (icount.host.sh compares the runs).  Needs faults (selftest/progs) in
# /kmr/files/bin.
# kmr-timeout: 300
faults 20000 >/dev/null		# warm up the page allocator
for i in 1 2 3 4 5; do
	faults 20000 >>per-fault.txt
done
cat per-fault.txt
