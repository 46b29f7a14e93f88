# Harness self-test, the control for mttcg: the same race on a round-robin
# -smp 2 boot.  Prints how many increments were lost (0 expected, but not
# asserted: the case only documents the difference).
# kmr-smp: 2
race 20000000 | tee race.out
kmr_note "round-robin TCG: $(cat race.out)"
