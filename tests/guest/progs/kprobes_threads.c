// SPDX-License-Identifier: GPL-2.0
/*
 * kprobes_threads: the hooks under concurrency (run with 2+ vCPUs).
 *
 * The target's 4 threads write 4 x 512 pages at once while a fifth maps and
 * unmaps in a loop (VMA commits racing with faults on other CPUs); then it
 * forks and the 4 threads rewrite everything (CoW on several CPUs).  The
 * parent drains the per-CPU rings while this runs, merges them by seq and at
 * each checkpoint requires the replayed model to equal maps and pagemap,
 * exactly one PTE record per written page with pagemap's pfn, and exactly
 * one CoW per rewritten page with the old and new pfns.
 *
 * usage: kprobes_threads      (prints "kprobes_threads: PASS")
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kprobes_rec.h"

#define PG		4096ul
#define NTHR		4
#define PER		512
#define NPG		(NTHR * PER)

static int c2p[2], p2c[2];
static char *region;
static volatile char val;

/* The parent learns the region's address (in the child) with each step. */
static void checkpoint(uint64_t step)
{
	uint64_t m[2] = { step, (uintptr_t)region };
	char go;

	if (write(c2p[1], m, sizeof(m)) != sizeof(m) ||
	    read(p2c[0], &go, 1) != 1)
		_exit(90);
}

static void *writer(void *arg)
{
	char *p = region + (uintptr_t)arg * PER * PG;
	int i;

	for (i = 0; i < PER; i++)
		p[i * PG] = val;
	return NULL;
}

static volatile int churn_stop;

static void *churner(void *arg)
{
	(void)arg;
	while (!churn_stop) {
		char *p = mmap(NULL, 4 * PG, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		p[0] = 1;
		munmap(p, 4 * PG);
	}
	return NULL;
}

static void run_writers(bool churn)
{
	pthread_t t[NTHR], c;
	uintptr_t i;

	churn_stop = 0;
	if (churn)
		pthread_create(&c, NULL, churner, NULL);
	for (i = 0; i < NTHR; i++)
		pthread_create(&t[i], NULL, writer, (void *)i);
	for (i = 0; i < NTHR; i++)
		pthread_join(t[i], NULL);
	churn_stop = 1;
	if (churn)
		pthread_join(c, NULL);
}

static void target(void)
{
	int gate[2];
	pid_t g;
	char c;

	region = mmap(NULL, NPG * PG, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	madvise(region, NPG * PG, MADV_NOHUGEPAGE);
	checkpoint(1);
	val = 1;
	run_writers(true);
	checkpoint(2);
	if (pipe(gate))
		_exit(91);
	g = fork();
	if (!g) {
		close(gate[1]);
		if (read(gate[0], &c, 1) < 0)
			_exit(1);
		_exit(0);
	}
	val = 2;
	run_writers(false);
	checkpoint(3);
	close(gate[1]);
	waitpid(g, NULL, 0);
	_exit(0);
}

static int failures;

#define CHECK(cond, ...) do {						\
		if (!(cond)) {						\
			printf("FAIL: " __VA_ARGS__);			\
			putchar('\n');					\
			failures++;					\
		}							\
	} while (0)

static uint64_t before[NPG];

static uint64_t base;	/* the region, in the child */

static void check(struct kp_session *s, int pid, uint64_t step)
{
	uint64_t rec[NPG] = { 0 };
	size_t i, k, n = 0, cows = 0, good = 0;

	for (i = 0; i < s->nlog; i++) {
		const struct kmr_event *e = s->log[i];

		if (e->kind == KMR_EV_PTE && step == 2) {
			const struct kmr_ev_pte *p = (const void *)e;

			for (k = 0; k < p->nr; k++) {
				uint64_t va = p->vaddr + k * PG;

				if (p->shift != 12 || va < base ||
				    va >= base + NPG * PG)
					continue;
				rec[(va - base) / PG] = KMR_PTE_PFN(p->entry[k]);
				n++;
			}
		}
		if (e->kind == KMR_EV_COW && step == 3) {
			const struct kmr_ev_cow *c = (const void *)e;

			if (c->vaddr < base || c->vaddr >= base + NPG * PG)
				continue;
			cows++;
			good += c->old_pfn == before[(c->vaddr - base) / PG] &&
				c->new_pfn == kp_pagemap_pfn(pid, c->vaddr);
		}
	}
	if (step == 2) {
		CHECK(n == NPG, "%zu PTE records for %d written pages", n, NPG);
		for (i = 0; i < NPG; i++) {
			before[i] = kp_pagemap_pfn(pid, base + i * PG);
			good += rec[i] == before[i];
		}
		CHECK(good == NPG, "%zu of %d PTE records carry pagemap's pfn",
		      good, NPG);
	}
	if (step == 3)
		CHECK(cows == NPG && good == NPG,
		      "%zu COW records (%zu with pagemap's old/new pfns) for %d rewrites",
		      cows, good, NPG);
}

static int checker(int pid)
{
	uint64_t step = 0, m[2];
	struct kp_session s;
	size_t d;

	kp_open(&s, pid);
	while (step != 3) {
		struct pollfd pf[2] = {
			{ .fd = c2p[0], .events = POLLIN },
			{ .fd = s.fd, .events = POLLIN },
		};

		/* drain while the threads run: rings fill on every CPU */
		poll(pf, 2, 50);
		kp_drain(&s);
		if (!(pf[0].revents & POLLIN))
			continue;
		if (read(c2p[0], m, sizeof(m)) != sizeof(m))
			kp_die("target died before a checkpoint");
		step = m[0];
		base = m[1];
		kp_drain(&s);
		if (s.npend)
			kp_die("checkpoint %" PRIu64 ": %zu records behind a seq hole",
			       step, s.npend);
		check(&s, pid, step);
		d = kp_compare(&s, pid, 20);
		printf("checkpoint %" PRIu64 ": %zu records, %zu VMAs, %zu PTEs, %zu diffs\n",
		       step, s.nlog, s.nvma, s.npte, d);
		CHECK(d == 0, "checkpoint %" PRIu64 ": model != maps/pagemap", step);
		kp_log_reset(&s);
		if (write(p2c[1], "g", 1) != 1)
			kp_die("release target");
	}
	waitpid(pid, NULL, 0);
	kp_close(&s);
	return failures;
}

int main(void)
{
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (pipe(c2p) || pipe(p2c))
		kp_die("pipe");
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		target();
	}
	close(c2p[1]);
	close(p2c[0]);
	if (checker(pid)) {
		printf("kprobes_threads: FAIL (%d)\n", failures);
		return 1;
	}
	printf("kprobes_threads: PASS (%d CPUs)\n", (int)sysconf(_SC_NPROCESSORS_ONLN));
	return 0;
}
