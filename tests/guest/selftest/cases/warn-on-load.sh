# Harness self-test: the module WARNs while loading.  The case itself
# succeeds, so the harness must FAIL it from the console splat and the taint.
kmr_insmod kmr_smoke warn_on_load=1
kmr_rmmod kmr_smoke
