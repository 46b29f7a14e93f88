# A snapshot waits for a slow reader, but never while it holds the target's
# mmap_lock (issue 9, finding 10).  START of a target whose snapshot needs
# four times the 64 KiB rings, with the control page's tails frozen (nobody
# reads) and then rewritten with garbage every millisecond: the target's
# mmap/munmap loop must never block long meanwhile.  And a target with
# 6000 VMAs snapshotted through 64 KiB rings (the VMA windows are cut to
# what half a ring holds) must still equal maps exactly.
# kmr-timeout: 300
# kmr-bin: kwalk_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
for mode in frozen garbage; do
	rc=0
	kwalk_check frozen $mode >$mode.log 2>&1 || rc=$?
	cat $mode.log
	[ "$rc" = 0 ] || kmr_fail "$mode tail: $(tail -2 $mode.log | head -1)"
done
rc=0
kwalk_check vmas 3000 >vmas.log 2>&1 || rc=$?
cat vmas.log
[ "$rc" = 0 ] || kmr_fail "6000 VMAs: $(tail -2 vmas.log | head -1)"
