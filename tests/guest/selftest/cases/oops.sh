# Harness self-test: a kernel oops (NULL dereference in the smoke module)
# panics the guest (oops=panic); the harness must FAIL this case and report
# every later case as missing.
kmr_insmod kmr_smoke
echo oops >/dev/kmr_smoke
