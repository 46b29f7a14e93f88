# Race: rmmod (delete_module) attempts while a traced target execs three
# times, 200 iterations, half of them with the target stopped at
# PTRACE_EVENT_EXEC when its session closes.  In 180 another session keeps
# the module busy and the attempt must answer "in use"; in 20 the module
# really goes right after the last session closes and is loaded again
# (issue 9 finding 12).  It must unload without hanging, and the target
# must finish its exec chain.  The module is loaded, unloaded and its hooks
# patched again and again, so this runs on round-robin -smp 2, not on
# multi-threaded TCG (docs/kernel-hooks.md section 9).
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-bin: krace
kmr_module_loaded kmemrec || kmr_insmod kmemrec
rc=0
krace rmmod 200 "$KMR_MODULES/kmemrec.ko" >rmmod.log 2>&1 || rc=$?
kmr_module_loaded kmemrec || kmr_insmod kmemrec
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR)' rmmod.log | head -20; kmr_fail "krace rmmod: $(grep -m1 -E '^(FAIL|ERROR)' rmmod.log | cut -c1-150)"; }
tail -3 rmmod.log
