# Session end and exec on 2 vCPUs (issue 9 findings 1 and 11).
# endrace: a faulting target is killed and the recorder calls STOP, DETACH
# or close()+munmap() a random 0-4 ms later, 90 times: whichever ends the
# stream first, last_seq is final when STOP or DETACH returns (no EXIT or
# any record after it), an EXITED session has exactly one EXIT and it is
# the last record, and POLLHUP comes only with every record readable.
# oldmm: a process sharing the target's mm faults on it without pause while
# the target execs: after the EXEC record no record of the old mm (its
# region, its tid) reaches the session, and none precede the EXEC snapshot.
# kmr-timeout: 600
# kmr-smp: 2
# kmr-bin: ksess_check

kmr_module_loaded kmemrec || kmr_insmod kmemrec
kmr_require_cpus 2
ksess_check endrace 90 >endrace.log 2>&1 || { cat endrace.log; kmr_fail "ksess_check endrace"; }
cat endrace.log
ksess_check oldmm >oldmm.log 2>&1 || { cat oldmm.log; kmr_fail "ksess_check oldmm"; }
cat oldmm.log
