# Harness self-test: kmr-mttcg: 1 boots with one host thread per vCPU
# (-accel tcg,thread=multi).  Two threads pinned to the two CPUs increment
# a shared counter without a lock: only truly simultaneous vCPUs lose
# increments (round-robin TCG switches vCPUs between translation blocks,
# never inside one increment).
# kmr-smp: 2
# kmr-mttcg: 1
assert_eq "$(nproc)" 2 "nproc"
race 20000000 | tee race.out
lost=$(awk '{ print $2 }' race.out)
assert_ge "$lost" 1 "increments lost to a real race (0: the vCPUs did not run at once)"
