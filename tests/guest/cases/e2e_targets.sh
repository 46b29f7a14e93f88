# End to end, every target on one vCPU (tests/oracle/e2e_targets.txt, VCPUS
# 1): kmemrec records each kmrt-* program from its first instruction, with
# ftrace counting the same run's user page faults, into a directory named
# after it.  The host check (e2e_targets.host.sh) replays each trace to
# every checkpoint's time and demands the kernel's own maps and pagemap
# exactly, the target's expected counts, and ftrace's fault count.
# kmr-bin: kmemrec
# kmr-bin: kmrt-brk kmrt-crash kmrt-exec kmrt-faultbench kmrt-fork kmrt-forkserver kmrt-malloc kmrt-mmap
# kmr-bin: kmrt-mprotect kmrt-mremap kmrt-stack kmrt-strlit kmrt-thp kmrt-twecho
# kmr-file: tests/oracle/e2e_targets.txt
# kmr-timeout: 1800

. /kmr/lib/e2e.sh
e2e_record_list /kmr/files/e2e_targets.txt 1
