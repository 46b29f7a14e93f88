# End to end: kmemrec records kmrt-threads (four threads faulting one mapping at once on two CPUs).
# The host check (e2e_threads.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-threads
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 420
# kmr-smp: 2

. /kmr/files/guest_e2e.sh
e2e_record threads --threads 4 --pages 128 --rounds 2
