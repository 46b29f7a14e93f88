// SPDX-License-Identifier: GPL-2.0
/*
 * kb_vmacost: instructions per mmap+munmap pair in a process with @vmas
 * VMAs, untraced or traced, under `qemu -icount shift=0` (1 ns = 1
 * instruction).  Every pair commits twice at the mmap write-unlock, where
 * the hooks diff the VMA tree against their shadow: this shows what that
 * diff costs as the process grows.
 *
 * usage: kb_vmacost plain|traced [vmas] [pairs]
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kb_session.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static void child(int rd, int wr, int vmas, int pairs)
{
	uint64_t t[2];
	char *base, c;
	int i;

	/* @vmas separate VMAs: every other page of a reserve, no merging */
	base = mmap(NULL, 2UL * vmas * 4096, PROT_NONE,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	for (i = 0; i < vmas; i++)
		mprotect(base + 2UL * i * 4096, 4096, PROT_READ);
	if (read(rd, &c, 1) != 1)
		_exit(1);
	t[0] = now_ns();
	for (i = 0; i < pairs; i++) {
		char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		munmap(p, 4096);
	}
	t[1] = now_ns();
	if (write(wr, t, sizeof(t)) != sizeof(t))
		_exit(3);
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	int vmas = argc > 2 ? atoi(argv[2]) : 50;
	int pairs = argc > 3 ? atoi(argv[3]) : 2000;
	int traced = !strcmp(mode, "traced");
	int c2p[2], p2c[2], ret;
	uint64_t t[2], t2;
	struct kb_session s;
	pid_t pid;

	if (pipe(c2p) || pipe(p2c))
		return 1;
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		child(p2c[0], c2p[1], vmas, pairs);
	}
	close(c2p[1]);
	close(p2c[0]);
	usleep(100000);	/* let the child build its VMAs */
	if (traced) {
		ret = kb_open(&s, pid, 0, 8 << 20, 0);
		if (ret) {
			fprintf(stderr, "kb_vmacost: attach: %s\n", strerror(-ret));
			kill(pid, 9);
			return 1;
		}
		kb_drain(&s);
	}
	if (write(p2c[1], "g", 1) != 1)
		return 1;
	for (;;) {
		struct pollfd pf[2] = {
			{ .fd = c2p[0], .events = POLLIN },
			{ .fd = traced ? s.fd : -1, .events = POLLIN },
		};

		poll(pf, 2, -1);
		if (traced && (pf[1].revents & POLLIN))
			kb_drain(&s);
		if (pf[0].revents & POLLIN)
			break;
	}
	if (read(c2p[0], t, sizeof(t)) != sizeof(t))
		return 1;
	if (traced)
		kb_drain(&s);
	t2 = traced ? now_ns() : t[1];
	printf("vmacost %s: %d VMAs, %.0f insns per mmap+munmap (target %.0f), %.1f records/pair, lost %" PRIu64 "\n",
	       mode, vmas, (double)(t2 - t[0]) / pairs,
	       (double)(t[1] - t[0]) / pairs,
	       traced ? (double)s.records / pairs : 0.0,
	       traced ? kb_lost(&s) : 0);
	waitpid(pid, NULL, 0);
	if (traced)
		kb_close(&s);
	return 0;
}
