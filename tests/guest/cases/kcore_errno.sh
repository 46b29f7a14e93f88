# kmemrec core: every bad call answers the documented errno (VERSION,
# ATTACH argument validation, call order, mmap geometry and protections,
# STATS), and permissions: /dev/kmemrec is root-only, a process that drops
# to nobody gets EPERM on root's process and may trace its own child.
# kmr-timeout: 180
# kmr-bin: kcore_check

# The harness may have loaded the module already (KMR_AUTOLOAD).
kmr_module_loaded kmemrec || kmr_insmod kmemrec
assert_eq "$(stat -c %a /dev/kmemrec)" 600 "mode of /dev/kmemrec"
kcore_check errno >errno.log 2>&1 || { cat errno.log; kmr_fail "kcore_check errno"; }
cat errno.log
kcore_check perm >perm.log 2>&1 || { cat perm.log; kmr_fail "kcore_check perm"; }
cat perm.log
