// SPDX-License-Identifier: GPL-2.0
/*
 * kmr-hold PID: keep kmemrec's hooks registered for as long as it runs.
 *
 * kmemrec registers its kprobes, kretprobes, ftrace_ops and tracepoints
 * when the first session attaches and removes them after the last one
 * ends, patching kernel text both times.  Under multi-threaded TCG, QEMU
 * can run stale translated code on one vCPU after another vCPU patched it
 * (docs/kernel-hooks.md section 9: an int3 loop at an already patched address).
 * A race case that attaches and detaches hundreds of times would patch
 * hundreds of times.  This program attaches one session to an idle process
 * (PID) before the race and holds it until SIGTERM, so the hooks are
 * patched once per boot and every session of the race only adds and
 * removes a traced mm.
 *
 * It prints "kmr-hold: holding" once attached (the guest helper
 * kmr_hold_hooks waits for that line) and exits 0 on SIGTERM/SIGINT, or 1
 * with the reason on any error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <kmemrec/abi.h>

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	struct kmr_attach a;
	struct sigaction sa;
	sigset_t block, old;
	char *end;
	long pid;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: kmr-hold PID\n");
		return 2;
	}
	pid = strtol(argv[1], &end, 10);
	if (*end || pid <= 0) {
		fprintf(stderr, "kmr-hold: '%s' is not a pid\n", argv[1]);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	/* Signals arrive only inside sigsuspend(): no lost wake-up. */
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigprocmask(SIG_BLOCK, &block, &old);

	fd = open("/dev/kmemrec", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "kmr-hold: open /dev/kmemrec: %s\n", strerror(errno));
		return 1;
	}
	memset(&a, 0, sizeof(a));
	a.pid = (__u32)pid;
	a.ring_size = KMR_RING_SIZE_MIN;	/* nothing is ever started */
	if (ioctl(fd, KMR_IOC_ATTACH, &a)) {
		fprintf(stderr, "kmr-hold: ATTACH to %ld: %s\n", pid, strerror(errno));
		return 1;
	}
	printf("kmr-hold: holding (session on pid %ld)\n", pid);
	fflush(stdout);
	while (!stop)
		sigsuspend(&old);
	close(fd);
	return 0;
}
