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
# The peers, LTTng and bpftrace (kb_peers.h), come from /kmr/peers, which
# bench/kernel/run.sh stages (peers_prep.sh); without it, or without
# lttng-modules for this kernel, their rows say n/a and why.  LTTng's
# traces come back as lttng-<work>/ for speed_bench.host.sh to count.
# kmr-timeout: 3000
# kmr-icount: shift=0
# kmr-bin: kb_speed kmemrec

# kb_speed runs each workload once untraced before its figures (first
# touches of guest memory cost more).  -v: progress and kmemrec's summaries
# go to progress.txt (comes back with the results).
# KB_*_NA (kb_peers.h): empty = run the peer, else why it cannot
export KB_LTTNG_NA="" KB_BPFTRACE_NA=""
peers=/kmr/peers
krel=$(uname -r)
if [ ! -d $peers ]; then
	export KB_LTTNG_NA="not staged (bench/kernel/run.sh stages it)"
	export KB_BPFTRACE_NA="not staged (bench/kernel/run.sh stages it)"
else
	export PATH=$PATH:$peers/usr/bin HOME=/root
	# bpftrace: the kernel's BTF describes its types (Debian builds it in)
	[ -e /sys/kernel/btf/vmlinux ] || export KB_BPFTRACE_NA="no /sys/kernel/btf/vmlinux"
	if [ -f $peers/lttng-na-"$krel" ]; then
		KB_LTTNG_NA=$(cat $peers/lttng-na-"$krel")
		export KB_LTTNG_NA
	elif [ ! -d $peers/lib/modules/"$krel" ]; then
		export KB_LTTNG_NA="no lttng-modules staged for $krel"
	else
		# where lttng-sessiond looks: its modules through libkmod,
		# lttng-consumerd in libexec, its run directory
		mkdir -p /lib/modules /usr/lib/x86_64-linux-gnu/lttng /var/run/lttng \
			/usr/share/xml
		ln -sfn $peers/lib/modules/"$krel" /lib/modules/"$krel"
		ln -sfn $peers/usr/lib/x86_64-linux-gnu/lttng/libexec \
			/usr/lib/x86_64-linux-gnu/lttng/libexec
		ln -sfn $peers/usr/share/xml/lttng /usr/share/xml/lttng
	fi
fi

if ! kb_speed -v >figures.txt 2>progress.txt; then
	cat figures.txt progress.txt
	kmr_fail "kb_speed failed: $(tail -n 1 progress.txt)"
fi
cat figures.txt
