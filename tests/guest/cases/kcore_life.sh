# kmemrec core: session life cycle.  The target exiting yields one EXIT
# record with its wait() status, POLLIN until drained then POLLHUP; an
# execve gives EXEC and a snapshot of the new image equal to its
# maps/pagemap, and a set-uid execve under a non-root recorder ends the
# session (EXIT flagged KMR_EXIT_F_EXEC_DENIED); three sessions on two
# targets at once (two on the same one) each match their target; one reader
# keeps up with a target faulting without pause (records/s printed) and its
# model matches the target exactly afterwards; a reader killed with SIGKILL
# mid-trace leaves a kernel from which the module unloads cleanly.  STATS
# counts a known workload per VMA exactly (faults, writes, CoW).
# kmr-timeout: 300
# kmr-bin: kcore_check kcore_dump

# The harness may have loaded the module already (KMR_AUTOLOAD).
kmr_module_loaded kmemrec || kmr_insmod kmemrec
kcore_check exit >exit.log 2>&1 || { cat exit.log; kmr_fail "kcore_check exit"; }
cat exit.log
kcore_check two >two.log 2>&1 || { cat two.log; kmr_fail "kcore_check two"; }
cat two.log
kcore_check stats >stats.log 2>&1 || { cat stats.log; kmr_fail "kcore_check stats"; }
cat stats.log
kcore_check exec >exec.log 2>&1 || { cat exec.log; kmr_fail "kcore_check exec"; }
cat exec.log
kcore_check rate 2 >rate.log 2>&1 || { cat rate.log; kmr_fail "kcore_check rate"; }
cat rate.log

# SIGKILL of the reader while the target keeps faulting.
kcore_check faulter &
busy=$!
kcore_dump -q "$busy" >dump.log 2>dump.err &
reader=$!
# ATTACH registers the hooks (text patching), slow under TCG with a busy CPU.
n=0
until grep -q 'kcore_dump: started' dump.err; do
	kill -0 "$reader" || { cat dump.err; kmr_fail "kcore_dump died before it started"; }
	n=$((n + 1))
	[ $n -lt 300 ] || { cat dump.err; kmr_fail "kcore_dump did not start within 30 s"; }
	sleep 0.1
done
sleep 1
kill -0 "$reader" || { cat dump.err; kmr_fail "kcore_dump died while tracing"; }
kill -9 "$reader"
wait "$reader" || true
kill "$busy"
wait "$busy" || true
# Unloads with nothing left behind, and loads again for whoever is next.
kmr_rmmod kmemrec
kmr_insmod kmemrec
