// SPDX-License-Identifier: GPL-2.0
/*
 * kb_faultcost: instructions per anonymous write fault, for the design
 * goal in docs/architecture.md (traced <= 1.25 x untraced; a loaded idle
 * module + 0).
 *
 * Run in a guest under `qemu -icount shift=0` with one vCPU: guest time
 * then advances exactly one nanosecond per instruction, so CLOCK_MONOTONIC
 * deltas are instruction counts, deterministic to a few instructions.
 *
 * A child maps @pages anonymous pages (no THP), writes one byte per page
 * and reports the loop's start and end times.  With "traced" the parent
 * records the child through kmemrec (all events, or --mask) and drains the
 * rings while it runs (poll with the module's default watermark); the
 * figure then runs from the loop's start to the end of the drain of every
 * record the loop produced, so the reader's work is included.
 *
 * With KB_FAULTCOST_COW=1 the faults are copy-on-write ones instead: the
 * child writes every page first (untimed), forks a process that holds
 * them until the rep is over, then the timed loop writes them again.
 * KB_FAULTCOST_COW=2 times the fork too (its write-protection of every
 * page, and what a tracer does about it, per page).
 *
 * usage: kb_faultcost plain|traced|bystander [pages] [reps] [mask]
 * (bystander: untraced, while a session records another, idle process)
 * prints: faultcost <mode> rep <i>: <n> faults <x> insns/fault (target
 *         <y>), <r> records/fault, lost <l>
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

static int cow;	/* KB_FAULTCOST_COW: time CoW faults, not first touches */

/* A process that shares the pages until @gate's write end closes. */
static pid_t share_pages(int gate[2])
{
	pid_t g;
	char c;

	if (pipe(gate))
		_exit(6);
	g = fork();
	if (g < 0)
		_exit(7);
	if (!g) {
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(gate[0]);
	return g;
}

static void child(int rd, int wr, long pages, int reps)
{
	uint64_t t[2];
	int gate[2];
	pid_t g = -1;
	char c;
	int r;
	long i;

	for (r = 0; r < reps; r++) {
		char *p;

		if (read(rd, &c, 1) != 1)
			_exit(1);
		p = mmap(NULL, pages * 4096, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (p == MAP_FAILED || madvise(p, pages * 4096, MADV_NOHUGEPAGE))
			_exit(2);
		if (cow) {
			for (i = 0; i < pages; i++)
				p[i * 4096] = 1;
			if (cow == 2)
				t[0] = now_ns();
			g = share_pages(gate);
		}
		if (cow != 2)
			t[0] = now_ns();
		for (i = 0; i < pages; i++)
			p[i * 4096] = 2;
		t[1] = now_ns();
		if (write(wr, t, sizeof(t)) != sizeof(t))
			_exit(3);
		if (read(rd, &c, 1) != 1)
			_exit(4);
		if (cow) {
			close(gate[1]);
			waitpid(g, NULL, 0);
		}
		munmap(p, pages * 4096);
		if (write(wr, "m", 1) != 1)	/* unmapped: the rep is over */
			_exit(5);
	}
	_exit(0);
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "plain";
	long pages = argc > 2 ? atol(argv[2]) : 16384;
	int reps = argc > 3 ? atoi(argv[3]) : 3;
	uint64_t mask = argc > 4 ? strtoull(argv[4], NULL, 0) : 0;
	int traced = !strcmp(mode, "traced");
	/* a session on another, idle process: what it costs everyone else */
	int bystander = !strcmp(mode, "bystander");
	int c2p[2], p2c[2], r, ret;
	struct kb_session s, bs;
	pid_t pid, idle = -1;

	cow = getenv("KB_FAULTCOST_COW") ? atoi(getenv("KB_FAULTCOST_COW")) : 0;
	if (cow < 0 || cow > 2)
		return fprintf(stderr, "kb_faultcost: KB_FAULTCOST_COW is 0, 1 or 2\n"), 2;
	if (pipe(c2p) || pipe(p2c))
		return 1;
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		child(p2c[0], c2p[1], pages, reps);
	}
	close(c2p[1]);
	close(p2c[0]);
	if (bystander) {
		idle = fork();
		if (!idle) {
			pause();
			_exit(0);
		}
		ret = kb_open(&bs, idle, mask, 8 << 20, 0);
		if (ret) {
			fprintf(stderr, "kb_faultcost: attach: %s\n", strerror(-ret));
			kill(pid, 9);
			kill(idle, 9);
			return 1;
		}
		kb_drain(&bs);
	}
	if (traced) {
		ret = kb_open(&s, pid, mask, 8 << 20, 0);
		if (ret) {
			fprintf(stderr, "kb_faultcost: attach: %s\n", strerror(-ret));
			kill(pid, 9);
			return 1;
		}
		kb_drain(&s);	/* the START snapshot */
	}
	for (r = 0; r < reps; r++) {
		uint64_t t[2], t2, rec0 = traced ? s.records : 0;
		struct pollfd pf[2] = {
			{ .fd = c2p[0], .events = POLLIN },
			{ .fd = traced ? s.fd : -1, .events = POLLIN },
		};

		if (write(p2c[1], "g", 1) != 1)
			return 1;
		for (;;) {
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
		t2 = now_ns();
		if (!traced)
			t2 = t[1];
		printf("faultcost %s%s rep %d: %ld faults %.1f insns/fault (target %.1f), %.2f records/fault, lost %" PRIu64 "\n",
		       mode, cow == 2 ? "-fork-cow" : cow ? "-cow" : "", r,
		       pages, (double)(t2 - t[0]) / pages,
		       (double)(t[1] - t[0]) / pages,
		       traced ? (double)(s.records - rec0) / pages : 0.0,
		       traced ? kb_lost(&s) : 0);
		if (write(p2c[1], "g", 1) != 1 || read(c2p[0], t, 1) != 1)
			return 1;
		if (traced)
			kb_drain(&s);	/* the munmap's records */
	}
	waitpid(pid, NULL, 0);
	if (traced)
		kb_close(&s);
	if (bystander) {
		kb_close(&bs);
		kill(idle, 9);
		waitpid(idle, NULL, 0);
	}
	return 0;
}
