# Sessions closed while their target execs (issue 9 finding 4): a target
# with 2000 threads execs and the recorder closes its session while the exec
# waits for those threads to die, 4 times (each about 35 s on a loaded
# 2-core TCG host; 10 cost CI six minutes a kernel).  The exec hook's state
# must not outlive the session: no ring the module allocated is left in
# /proc/vmallocinfo once the sessions are freed.
# kmr-timeout: 900
# kmr-bin: ksess_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
ksess_check execleak 4 >execleak.log 2>&1 || { cat execleak.log; kmr_fail "ksess_check execleak"; }
cat execleak.log
