# End to end: kmemrec records kmrt-exec (an exec: the old address space vanishes, the new one is snapshotted).
# The host check (e2e_exec.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-exec
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 300

. /kmr/files/guest_e2e.sh
e2e_record exec
