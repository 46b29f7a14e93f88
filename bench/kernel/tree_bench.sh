# Issue 11 benchmark (not a test: it prints figures, fails only if a
# program fails or events are lost): `kmemrec -f` on a make -j2-style run of
# 1000 short processes (a shell starting busybox applets two at a time, as
# make -j2 starts compilers), at the default ring size, on 2 vCPUs.
# Prints the wall time untraced and traced, the processes recorded, the
# events, the lost count (the issue wants 0) and the trace size.  Not run by
# default (bench/kernel/run.sh --only tree).
# kmr-timeout: 3600
# kmr-smp: 2
# kmr-bin: kmemrec

bb=$(which busybox)
# milliseconds since boot (busybox date has no %N)
now_ms() { awk '{ printf "%d\n", $1 * 1000 }' /proc/uptime; }
n=${KMR_TREE_PROCS:-1000}
# Two jobs at a time, each a fork + exec of a small program that writes a
# little memory (sort of 200 lines): n processes in all (and the shell).
cat >jobs.sh <<EOS
i=0
while [ \$i -lt $((n / 2)) ]; do
	$bb seq 1 200 | $bb sort -n >/dev/null &
	wait
	i=\$((i + 1))
done
EOS
t0=$(now_ms)
sh jobs.sh
t1=$(now_ms)
echo "untraced: $((t1 - t0)) ms for $n processes"
t0=$(now_ms)
kmemrec -f -o tree.kmr -- sh jobs.sh 2>tree.err || { cat tree.err; kmr_fail "kmemrec -f"; }
t1=$(now_ms)
echo "kmemrec -f: $((t1 - t0)) ms"
head -3 tree.err
grep -c '^    [0-9]' tree.err | sed 's/^/processes in the summary table: /'
grep -q 'WARNING' tree.err && kmr_fail "events were lost: $(grep WARNING tree.err)"
ls -l tree.kmr | awk '{ print "trace: " $5 " bytes" }'
