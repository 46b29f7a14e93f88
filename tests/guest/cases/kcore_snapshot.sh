# kmemrec core: the START snapshot equals the kernel's own view.  A stopped
# target with anon, zero-page, private file (name with a newline), shared
# anon, split (mprotect) and THP memory; every VMA must match
# /proc/<pid>/maps field by field and every page /proc/<pid>/pagemap's pfn.
# Then a 256 MiB target (65536 pages: 8x the 8 MiB ring), where START must
# wait for the reader instead of dropping.
# kmr-timeout: 600
# kmr-bin: kcore_check

# The harness may have loaded the module already (KMR_AUTOLOAD).
kmr_module_loaded kmemrec || kmr_insmod kmemrec
kcore_check snapshot 64 >small.log 2>&1 || { cat small.log; kmr_fail "snapshot of a small target"; }
cat small.log
kcore_check snapshot 65536 plain >big.log 2>&1 || { cat big.log; kmr_fail "snapshot of 65536 pages"; }
cat big.log
