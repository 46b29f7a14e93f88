# Harness self-test: kmr_fail must make the case FAIL with this reason.
echo "about to fail"
kmr_fail "deliberate failure 42"
