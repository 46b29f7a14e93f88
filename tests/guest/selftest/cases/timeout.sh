# Harness self-test: a case over its time limit FAILs ("timed out") and the
# next case still runs.
# kmr-timeout: 3
sleep 30
