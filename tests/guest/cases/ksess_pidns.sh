# pid namespaces (issue 9 finding 9): the module compares global numbers
# and shows the recorder its own.  Recorder and target in a new pid
# namespace: the session follows the target's exec (EXEC + snapshot),
# reports its exit code, names the target, its forked child and its
# faulting thread as fork()/gettid() in that namespace do.  Recorder
# outside, target the init of a new namespace: all of it numbered globally.
# kmr-timeout: 300
# kmr-bin: ksess_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
ksess_check pidns >pidns.log 2>&1 || { cat pidns.log; kmr_fail "ksess_check pidns"; }
cat pidns.log
