# kmemrec core: the START snapshot equals the kernel's own view.  A stopped
# target with anon, zero-page, private file (name with a newline), shared
# anon, split (mprotect) and THP memory; every VMA must match
# /proc/<pid>/maps field by field and every page /proc/<pid>/pagemap's pfn.
# Then 256 MiB of 4 KiB pages (65536 entries, 512 KiB of records) through
# 64 KiB rings: START must wait for the reader instead of dropping.
# kmr-timeout: 600
# kmr-bin: kcore_check

# The harness may have loaded the module already (KMR_AUTOLOAD).
kmr_module_loaded kmemrec || kmr_insmod kmemrec
kcore_check snapshot 64 >small.log 2>&1 || { cat small.log; kmr_fail "snapshot of a small target"; }
cat small.log
kcore_check snapshot 65536 plain 65536 >big.log 2>&1 || { cat big.log; kmr_fail "snapshot of 65536 pages"; }
cat big.log
# Every other page of 65536: 32768 one-entry records through 64 KiB rings.
kcore_check snapshot 65536 sparse 65536 >sparse.log 2>&1 || { cat sparse.log; kmr_fail "snapshot of 32768 scattered pages"; }
cat sparse.log
