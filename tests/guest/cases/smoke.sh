# Harness smoke test: the harness's own module loads, creates its misc
# device, answers a read, logs to dmesg and unloads cleanly.  Nothing bad may
# happen in the kernel (the harness fails the case on any WARN/oops/taint).
# kmr-timeout: 60

kmr_insmod kmr_smoke
assert_ok test -c /dev/kmr_smoke
assert_eq "$(cat /dev/kmr_smoke)" "kmr_smoke ok" "read /dev/kmr_smoke"
kmr_dmesg_has 'kmr_smoke: loaded' || kmr_fail "no 'kmr_smoke: loaded' in dmesg"
# An unknown command is refused with EINVAL, not acted on.
assert_fails sh -c 'echo bogus >/dev/kmr_smoke'
kmr_rmmod kmr_smoke
assert_fails test -e /dev/kmr_smoke
kmr_dmesg_has 'kmr_smoke: unloaded' || kmr_fail "no 'kmr_smoke: unloaded' in dmesg"
uname -r >uname.txt
assert_eq "$(uname -r)" "$KMR_KREL" "guest kernel release"
