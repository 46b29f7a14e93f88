# Fault hooks that cannot run are reported (issue 9 finding 8).  1000
# target threads sleep inside page faults (userfaultfd) while the main
# thread writes 256 pages.  With the default fault_maxactive the hook has
# room for all: a FAULT record for every write, no loss.  Reloaded with
# fault_maxactive=256, the faults the kretprobe cannot take are counted in
# KMR_EV_LOST records (kinds include FAULT), a RESYNC follows, and the
# final state equals maps/pagemap.
# kmr-timeout: 600
# kmr-bin: ksess_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
ksess_check missed 1000 0 >default.log 2>&1 || { cat default.log; kmr_fail "ksess_check missed (default maxactive)"; }
cat default.log
kmr_rmmod kmemrec
kmr_insmod kmemrec fault_maxactive=256
ok=1
ksess_check missed 1000 1 >small.log 2>&1 || ok=0
kmr_rmmod kmemrec
kmr_insmod kmemrec
cat small.log
[ $ok = 1 ] || kmr_fail "ksess_check missed (fault_maxactive=256)"
