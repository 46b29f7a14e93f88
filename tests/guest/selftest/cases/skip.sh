# Harness self-test: kmr_skip must make the case SKIP with this reason.
kmr_skip "deliberate skip"
