# Issue 11 "Speed" benchmark (not a test: it prints figures, fails only if
# a program fails): what following (kmemrec -f) costs against recording
# one process, on kb_speed's touch and cow workloads under -icount shift=0
# on one vCPU (see speed_bench.sh for how to read the figures).  touch has
# no child: the per-fault cost must be the same.  cow forks a child with
# 256 MiB present: with -f it is held, attached and snapshotted (65,536
# PTEs, O(N) once) while the parent rewrites its pages.
# kmr-timeout: 3000
# kmr-icount: shift=0
# kmr-bin: kb_speed kmemrec

if ! kb_speed -v -f touch cow >figures.txt 2>progress.txt; then
	cat figures.txt progress.txt
	kmr_fail "kb_speed -f failed: $(tail -n 1 progress.txt)"
fi
cat figures.txt
