# End to end, the targets that need two vCPUs (tests/oracle/e2e_targets.txt,
# VCPUS 2: threads faulting at once on both CPUs); the same proof as
# e2e_targets.sh.
# kmr-bin: kmemrec
# kmr-bin: kmrt-threads
# kmr-file: tests/oracle/e2e_targets.txt
# kmr-timeout: 420
# kmr-smp: 2

. /kmr/lib/e2e.sh
e2e_record_list /kmr/files/e2e_targets.txt 2
