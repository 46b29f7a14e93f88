/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kprobes_check: the steps the target runs (kprobes_target.c) and the
 * checkpoint message it sends the checker (kprobes_check.c) at each one.
 */
#ifndef KPROBES_CHECK_H
#define KPROBES_CHECK_H

#include <stdint.h>

#define PG		4096ul
#define NPAGES		64

enum step {
	ST_START = 1, ST_ANON, ST_COW, ST_MUNMAP, ST_MPROT_SPLIT,
	ST_MPROT_MERGE, ST_MREMAP, ST_BRK_GROW, ST_BRK_SHRINK, ST_STACK,
	ST_ZERO_READ, ST_ZERO_WRITE, ST_FILE, ST_EXECED, ST_MREMAP_GROW,
	ST_MADVISE, ST_THP, ST_DONTNEED, ST_PREMIGRATE, ST_MIGRATE, ST_KSM,
	ST_KSM_COW, ST_COLLAPSE,
};

struct msg {
	uint64_t step, a, b, c;
};

/* target -> checker messages, checker -> target go-aheads */
extern int c2p[2], p2c[2];

/* Run by the forked child; never returns. */
void target(const char *self) __attribute__((noreturn));
/* The re-executed image; returns its exit code. */
int exec_child(const char *fds);

#endif /* KPROBES_CHECK_H */
