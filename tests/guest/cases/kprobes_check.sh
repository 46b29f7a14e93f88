# The hooks of kmemrec.ko against the kernel's own view (tests/guest/progs/
# kprobes_check.c): a child runs anon writes, fork + CoW, munmap, mprotect
# split/merge, mremap move, brk grow/shrink, stack growth, zero-page read
# and CoW, a file mapping (fault-around), THP, MADV_DONTNEED of half of it,
# MADV_COLLAPSE, exec and exit; at each checkpoint the replayed records must
# equal /proc/<pid>/maps and pagemap exactly, and the step's records must be
# the expected ones (counts and pfns).  The FAULT count must equal ftrace's
# exceptions:page_fault_user count for the child.
#
# A second pass tunes khugepaged to scan fast and has the target wait after
# MADV_DONTNEED until khugepaged collapsed the half-empty PMD back: the
# collapse then comes from that kthread, not from the target's own madvise.
# kmr-timeout: 400
# kmr-bin: kprobes_check

# The harness may have loaded the module already.
kmr_module_loaded kmemrec || kmr_insmod kmemrec
/kmr/bin/kprobes_check >check.log 2>&1 || { cat check.log; kmr_fail "kprobes_check failed"; }
cat check.log
assert_grep '^kprobes_check: PASS$' check.log

khp=/sys/kernel/mm/transparent_hugepage/khugepaged
if [ ! -d "$khp" ] || grep -q '\[never\]' /sys/kernel/mm/transparent_hugepage/enabled; then
	echo "note: no khugepaged (THP off), second pass skipped"
else
	old_scan=$(cat $khp/scan_sleep_millisecs)
	old_pages=$(cat $khp/pages_to_scan)
	echo 10 >$khp/scan_sleep_millisecs
	echo 4096 >$khp/pages_to_scan
	rc=0
	KP_KHUGEPAGED=1 /kmr/bin/kprobes_check >check2.log 2>&1 || rc=$?
	echo "$old_scan" >$khp/scan_sleep_millisecs
	echo "$old_pages" >$khp/pages_to_scan
	cat check2.log
	[ "$rc" = 0 ] || kmr_fail "kprobes_check with khugepaged failed"
	assert_grep '^kprobes_check: PASS$' check2.log
	assert_grep '^note: khugepaged collapsed the range again' check2.log
fi
