# Race: rmmod (delete_module) attempts while a traced target execs three
# times, 200 iterations; every other one with the target stopped at
# PTRACE_EVENT_EXEC while the module goes (issue 9 finding 12).  The
# module must unload once its last session is closed, without hanging, and
# the target must finish its exec chain.  Hooks are patched and unpatched
# every iteration, so this runs on round-robin -smp 2, not multi-threaded
# TCG (KERNEL-HOOKS.md section 9).
# kmr-timeout: 1200
# kmr-smp: 2
# kmr-bin: krace
kmr_module_loaded kmemrec || kmr_insmod kmemrec
rc=0
krace rmmod 200 "$KMR_MODULES/kmemrec.ko" >rmmod.log 2>&1 || rc=$?
kmr_module_loaded kmemrec || kmr_insmod kmemrec
[ $rc = 0 ] || { grep -E '^(FAIL|ERROR)' rmmod.log | head -20; kmr_fail "krace rmmod: $(grep -m1 -E '^(FAIL|ERROR)' rmmod.log | cut -c1-150)"; }
tail -3 rmmod.log
