# kmemrec core: a 64 KiB ring nobody reads while the target faults drops
# records, counts them (ring counters, STATS), reports them in a KMR_EV_LOST
# placed at the gap (time window between its neighbours), and a RESYNC
# snapshot brings the state back to maps/pagemap.  Seqs stay dense.
# kmr-timeout: 300
# kmr-bin: kcore_check

# The harness may have loaded the module already (KMR_AUTOLOAD).
kmr_module_loaded kmemrec || kmr_insmod kmemrec
kcore_check lost >lost.log 2>&1 || { cat lost.log; kmr_fail "kcore_check lost"; }
cat lost.log
