# Process trees in the module (issue 11): KMR_ATTACH_F_FOLLOW holds every
# child of a followed target before its first instruction until the
# recorder's RELEASE, so the child's own session records its first CoW
# copies; grandchildren, vfork+exec (held in the new image), SIGKILL of a
# held child, RELEASE's errors, the KMR_FOLLOW_WAIT_MS timeout, STOP
# letting children go, and a parent that exits right after its fork.
# kmr-timeout: 240
# kmr-bin: kcore_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
kcore_check follow >follow.log 2>&1 || { cat follow.log; kmr_fail "kcore_check follow"; }
cat follow.log
