# End to end: kmemrec records kmrt-fork (copy-on-write after fork: anon, zero-page and private-file pages written by the parent).
# The host check (e2e_fork.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-fork
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 300

. /kmr/files/guest_e2e.sh
e2e_record fork --pages 64
