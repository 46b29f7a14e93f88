# The hooks of kmemrec.ko against the kernel's own view (tests/guest/progs/
# kprobes_check.c): a child runs anon writes, fork + CoW, munmap, mprotect
# split/merge, mremap move, brk grow/shrink, stack growth, zero-page read
# and CoW, a file mapping (fault-around), exec and exit; at each checkpoint
# the replayed records must equal /proc/<pid>/maps and pagemap exactly, and
# the step's records must be the expected ones (counts and pfns).  The FAULT
# count must equal ftrace's exceptions:page_fault_user for the child.
# kmr-timeout: 300
# kmr-bin: kprobes_check

# The harness may have loaded the module already.
kmr_module_loaded kmemrec || kmr_insmod kmemrec
/kmr/bin/kprobes_check >check.log 2>&1 || { cat check.log; kmr_fail "kprobes_check failed"; }
cat check.log
assert_grep '^kprobes_check: PASS$' check.log
