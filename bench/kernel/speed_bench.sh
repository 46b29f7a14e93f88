# Issue 3 "Speed" benchmark (not a test: it prints figures, fails only if
# a program fails).  Under -icount shift=0 on one vCPU guest time is an
# instruction count (plus idle time, which runs at the host's pace), and
# everything that runs (the traced task, the module, the reader and its
# compression or copying) shares that one CPU, so a slowdown ratio is the
# tracer's whole cost.  touch 256 MiB / fork + rewrite / mmap-munmap
# churn, each: untraced; kmemrec with the real recorder (`kmemrec PID -o
# FILE`, default ring size, stopped by SIGINT) and with a minimal
# in-process drain; ftrace (page_fault_user + mmap/munmap/brk/mprotect
# syscall events) read by `cat trace_pipe_raw > /tmp/file` per CPU and by
# a minimal poll reader.  See kb_speed.c.  The cat reader's file grows by
# about a 4 KiB page per reader wakeup (~1 GB for churn): bench/kernel/run.sh boots
# the guest with 3 GiB so that /tmp (tmpfs, half the RAM) holds it.
# kmr-timeout: 3000
# kmr-icount: shift=0
# kmr-bin: kb_speed kmemrec

# kb_speed runs each workload once untraced before its figures (first
# touches of guest memory cost more).  -v: progress and kmemrec's summaries
# go to progress.txt (comes back with the results).
if ! kb_speed -v >figures.txt 2>progress.txt; then
	cat figures.txt progress.txt
	kmr_fail "kb_speed failed: $(tail -n 1 progress.txt)"
fi
cat figures.txt
