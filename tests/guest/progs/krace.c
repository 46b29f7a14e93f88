// SPDX-License-Identifier: GPL-2.0
/*
 * krace: concurrency cases for kmemrec.ko (cases krace_*), meant for
 * -smp 2 with multi-threaded TCG and kmr_hold_hooks (see
 * tests/guest/README.md).  Each subcommand runs ITER iterations:
 *   krace exit ITER        target exit vs DETACH/STOP/close, two sessions,
 *                          compaction and MADV_PAGEOUT     (krace_exit.c)
 *   krace sessions ITER [N] N (12) sessions on one target through exec
 *                          and exit                    (krace_sessions.c)
 *   krace walk ITER        munmap churn while KMR_IOC_WALK, KMR_IOC_MEM
 *                          and START snapshots run         (krace_walk.c)
 *   krace rmmod ITER KO    rmmod attempts while a traced target execs,
 *                          also stopped at PTRACE_EVENT_EXEC (krace_rmmod.c)
 *   krace kretprobe N      N threads asleep in userfaultfd faults at once
 *                                                     (krace_kretprobe.c)
 * Exit status: 0 all checks passed, 1 a check failed (FAIL lines), 2 the
 * test could not run.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kh_common.h"
#include "krace.h"

int krace_exec_chain(int argc, char **argv)
{
	unsigned int n = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 0;
	int code = argc > 1 ? atoi(argv[1]) : 0;
	char *m, nbuf[16], cbuf[16];
	unsigned int i;

	/* a little memory for the hooks to see, in every image */
	m = mmap(NULL, 16 * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m != MAP_FAILED)
		for (i = 0; i < 16; i++)
			m[i * 4096] = (char)i;
	if (!n)
		return code;
	snprintf(nbuf, sizeof(nbuf), "%u", n - 1);
	snprintf(cbuf, sizeof(cbuf), "%d", code);
	execl("/proc/self/exe", "krace", "exec-chain", nbuf, cbuf, (char *)NULL);
	fprintf(stderr, "krace exec-chain: execl: %s\n", strerror(errno));
	return 100;
}

pid_t krace_gate_child(unsigned int n, int code, int *gate)
{
	char nbuf[16], cbuf[16], c;
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC))
		kh_die("pipe: %s", strerror(errno));
	snprintf(nbuf, sizeof(nbuf), "%u", n);
	snprintf(cbuf, sizeof(cbuf), "%d", code);
	pid = fork();
	if (pid < 0)
		kh_die("fork: %s", strerror(errno));
	if (!pid) {
		close(p[1]);
		/* released by a byte or by the parent closing its end */
		if (read(p[0], &c, 1) < 0)
			_exit(101);
		execl("/proc/self/exe", "krace", "exec-chain", nbuf, cbuf, (char *)NULL);
		_exit(102);
	}
	close(p[0]);
	*gate = p[1];
	return pid;
}

void krace_release(int *gate)
{
	if (*gate < 0)
		return;
	if (write(*gate, "g", 1) != 1)
		kh_die("releasing the target: %s", strerror(errno));
	close(*gate);
	*gate = -1;
}

static volatile int compacting;
static pthread_t compactor;
static unsigned long compact_rounds;

static void *compactor_fn(void *arg)
{
	(void)arg;
	while (compacting) {
		int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);

		if (fd < 0)
			break;
		if (write(fd, "1", 1) != 1)
			kh_sleep_us(1000);
		close(fd);
		compact_rounds++;
		kh_sleep_us(2000);
	}
	return NULL;
}

bool krace_compactor_start(void)
{
	if (access("/proc/sys/vm/compact_memory", W_OK))
		return false;
	compacting = 1;
	if (pthread_create(&compactor, NULL, compactor_fn, NULL))
		kh_die("pthread_create: %s", strerror(errno));
	return true;
}

unsigned long krace_compactor_stop(void)
{
	if (compacting) {
		compacting = 0;
		pthread_join(compactor, NULL);
	}
	return compact_rounds;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*fn)(int, char **);
	} sub[] = {
		{ "exit", krace_exit }, { "sessions", krace_sessions },
		{ "walk", krace_walk }, { "rmmod", krace_rmmod },
		{ "kretprobe", krace_kretprobe }, { "exec-chain", krace_exec_chain },
	};
	size_t i;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (i = 0; argc >= 2 && i < sizeof(sub) / sizeof(sub[0]); i++)
		if (!strcmp(argv[1], sub[i].name))
			return sub[i].fn(argc - 2, argv + 2);
	fprintf(stderr, "usage: krace exit|sessions|walk|rmmod|kretprobe ARGS (see krace.c)\n");
	return 2;
}
