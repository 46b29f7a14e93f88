# End to end: kmemrec records kmrt-faultbench (the fault-heavy workload: 256 MiB touched page by page, fork + rewrite (65536 CoW), mmap/munmap churn; zero events lost at the default buffer size).
# The host check (e2e_faultbench.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-faultbench
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 900

. /kmr/files/guest_e2e.sh
e2e_record faultbench
