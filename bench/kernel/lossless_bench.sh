# Issue 12 benchmark (not a test: it prints figures, fails only if a
# program fails): what `kmemrec --lossless` costs, under -icount shift=0 on
# one vCPU (guest ns = instructions; "busy" = the whole machine's non-idle
# time, 10 ms ticks).  The fault workload (16384 pages x 5 rounds, mmap /
# write / munmap) untraced, under kmemrec, under kmemrec --lossless (8 MiB
# rings: the recorder keeps up, so this is the mode's bookkeeping) and under
# kmemrec --lossless --buffer-size 256K (the target is held whenever the
# recorder falls half a ring behind).  See kb_start.c.  Not run by default
# (bench/kernel/run.sh --only lossless).
# kmr-timeout: 2400
# kmr-icount: shift=0
# kmr-bin: kb_start kmemrec

kb_start work 16384 1 >/dev/null	# first touches of guest memory
kb_start -n 2 lossless 16384 5
