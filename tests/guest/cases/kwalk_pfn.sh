# Physical addresses only for an opener with CAP_SYS_ADMIN, as pagemap
# (issue 9, finding 3).  pfns: with the device opened up (mode 0666), a
# process that dropped to uid 65534 tracing its own child sees pfn 0 in
# every PTE, COW and PAGE_DATA record and in KMR_IOC_WALK (pfn, phys and the
# frame bits of the raw entries), KMR_IOC_VERSION says KMR_FEAT_PFN_HIDDEN
# and KMR_IOC_PAGE answers EPERM; root sees the pfns pagemap shows.  The
# recorder as nobody and as root records kmrt-fork; the host check
# (kwalk_pfn.host.sh) replays both and needs "PFNs hidden" only in nobody's.
# kmr-bin: kwalk_check kmemrec kmrt-fork
# kmr-timeout: 240

kmr_module_loaded kmemrec || kmr_insmod kmemrec
chmod 0666 /dev/kmemrec
trap 'chmod 0600 /dev/kmemrec' EXIT
rc=0
kwalk_check pfns >pfns.log 2>&1 || rc=$?
cat pfns.log
[ "$rc" = 0 ] || kmr_fail "$(tail -2 pfns.log | head -1)"

mkdir -p rec
chmod 0777 rec
cd rec
rc=0
kwalk_check as-uid 65534 kmemrec -o nobody.kmr -- kmrt-fork --pages 16 --dir . \
	>nobody.log 2>&1 || rc=$?
cat nobody.log
[ "$rc" = 0 ] || kmr_fail "kmemrec as uid 65534 failed ($rc)"
assert_grep "target exited with status 0" nobody.log
assert_eq "$(stat -c %u nobody.kmr)" 65534 "owner of nobody.kmr"
kmemrec -o root.kmr -- kmrt-fork --pages 16 --dir . >root.log 2>&1 || kmr_fail "kmemrec as root failed"
assert_grep "target exited with status 0" root.log
