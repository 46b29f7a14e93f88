# End to end: kmemrec records kmrt-mremap (mremap grow in place, shrink, move (pfns keep)).
# The host check (e2e_mremap.host.sh) replays the trace to every checkpoint's
# time and demands the kernel's own maps and pagemap exactly, the target's
# expected counts, and ftrace's user page faults for the same run.
# kmr-bin: kmemrec kmrt-mremap
# kmr-file: tests/oracle/guest_e2e.sh
# kmr-timeout: 300

. /kmr/files/guest_e2e.sh
e2e_record mremap
