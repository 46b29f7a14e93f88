/* SPDX-License-Identifier: GPL-2.0 */
/* Targets for the kcore guest tests: child processes with known memory. */
#ifndef KCORE_TARGET_H
#define KCORE_TARGET_H

#include <stdint.h>
#include <sys/types.h>

/* What a target does once it is set up and has said "ready". */
enum kt_then {
	KT_PAUSE,	/* sleep until killed */
	KT_TOUCH,	/* on SIGUSR1: fault pages in a loop, forever */
	KT_EXIT,	/* on SIGUSR1: exit with code 7 */
	KT_STATS,	/* on SIGUSR1: the faults of struct kt_stats_work */
};

/*
 * KT_STATS: 64 pages of region a written (64 write faults), 32 pages of b
 * read (32 read faults), a fork (the child sleeps), 16 pages of a written
 * again (16 CoW faults); then the two addresses go to the ready pipe.
 */
struct kt_stats_work {
	uint64_t a, b;
};

struct kt_target {
	pid_t pid;
	int ready_fd;
};

/* Where a rich target maps two pages when the CPU runs 5-level paging. */
#define KT_HIGH_ADDR	(1ull << 52)

/* kt_spawn() flags */
#define KT_RICH		1	/* + zero-page, file, shared, THP regions */
#define KT_NOHUGE	2	/* the anon pages as 4 KiB pages (no THP) */
#define KT_SPARSE	4	/* write every other page only */

/*
 * Fork a target: it maps and writes @pages anon pages (and more, per
 * @flags), says "ready" and then does @then.  Returns once it is ready.
 */
void kt_spawn(struct kt_target *t, unsigned long pages, int flags,
	      enum kt_then then);
/* Fault pages (map, write, unmap) until killed; never returns. */
void kt_touch_loop(void) __attribute__((noreturn));
/* SIGSTOP it and wait until it is stopped (a quiet address space). */
void kt_stop(struct kt_target *t);
void kt_cont(struct kt_target *t);
/* SIGKILL and reap. */
void kt_kill(struct kt_target *t);
/* Wait for its exit; returns the wait() status. */
int kt_wait(struct kt_target *t);

#endif /* KCORE_TARGET_H */
