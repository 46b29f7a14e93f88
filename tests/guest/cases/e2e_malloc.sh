# End to end: kmemrec records kmrt-malloc (malloc from the brk heap and from its own mapping, free and trim).
# The host check (e2e_malloc.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-malloc
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 300

. /kmr/files/guest_e2e.sh
e2e_record malloc --small 2048
