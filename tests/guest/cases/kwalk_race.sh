# Page-table walks of another process never read a table that can be freed
# under them (issue 9, finding 2).  walkrace: with the module's test hook
# stalling each walk between the pmd and the PTE table, KMR_IOC_WALK races
# with the target unmapping the page's 2 MiB region and mapping fresh ones
# (whose new PTE tables reuse the freed page): the walk must return the
# page the address had, never a pfn from a freed and reused table.  churn:
# walks, START snapshots and resyncs (64 KiB ring read in bursts) against
# munmap/zap/mprotect/mremap/THP/MADV_COLLAPSE/khugepaged churn with
# compaction on the side; the long session and a last snapshot must then
# equal maps and pagemap.
# kmr-smp: 2
# kmr-timeout: 900
# kmr-bin: kwalk_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
kmr_require_cpus 2
rc=0
kwalk_check walkrace 6 300 >walkrace.log 2>&1 || rc=$?
cat walkrace.log
[ "$rc" = 0 ] || kmr_fail "KMR_IOC_WALK read a freed page table"
rc=0
kwalk_check churn 20 200 >churn.log 2>&1 || rc=$?
cat churn.log
if [ "$rc" != 0 ]; then
	# what the long session was told about the churned range
	[ ! -f churn-records.txt ] || gzip churn-records.txt
	kmr_fail "churn: $(tail -1 churn.log)"
fi
