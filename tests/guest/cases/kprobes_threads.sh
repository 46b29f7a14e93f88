# The hooks under concurrency: 4 threads of the target fault on 2 vCPUs
# while a fifth maps and unmaps, then they CoW after a fork; the reader
# drains the per-CPU rings meanwhile and merges them by seq.  The replayed
# model must equal maps/pagemap, with one PTE record per written page and
# one CoW (old/new pfn as pagemap shows) per rewritten page.
# kmr-timeout: 300
# kmr-smp: 2
# kmr-bin: kprobes_threads

kmr_module_loaded kmemrec || kmr_insmod kmemrec
/kmr/bin/kprobes_threads >threads.log 2>&1 || { cat threads.log; kmr_fail "kprobes_threads failed"; }
cat threads.log
assert_grep '^kprobes_threads: PASS' threads.log
