/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest test helper for the kmemrec hooks: a session on /dev/kmemrec, a
 * ring reader that merges records by seq, and a small applier that keeps
 * the target's VMAs and present PTEs as the record stream describes them,
 * to be compared with /proc/<pid>/maps and /proc/<pid>/pagemap.
 *
 * Deliberately independent of format/ and the recorder: it checks the
 * kernel side against the kernel's own view with nothing else in between.
 */
#ifndef KPROBES_REC_H
#define KPROBES_REC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <kmemrec/abi.h>

struct kp_vma {
	uint64_t start, end, pgoff, ino;
	uint32_t dev, vm_flags, flags;
	char name[KMR_NAME_MAX + 1];
};

struct kp_session {
	int fd;
	struct kmr_attach at;
	struct kmr_ctl *ctl;
	const uint8_t *data;
	uint64_t next_seq;		/* next seq to apply */
	/* records not yet applied (seq > next_seq - 1), unsorted */
	struct kmr_event **pend;
	size_t npend, cappend;
	/* records applied since kp_log_reset() */
	struct kmr_event **log;
	size_t nlog, caplog;
	/* the model */
	struct kp_vma *vma;
	size_t nvma, capvma;
	struct kp_pte *pte[1 << 16];	/* hash buckets by vpn */
	size_t npte;
	/* pending VMA window */
	uint64_t win_seq, win_start, win_end;
	uint32_t win_left;
	uint64_t lost, exits, execs, forks;
	int exit_code;
};

struct kp_pte {
	struct kp_pte *next;
	uint64_t vpn;
	uint64_t entry;			/* KMR_PTE_MAKE */
};

/* Attach to @pid, map the rings, start.  Exits the process on failure. */
void kp_open(struct kp_session *s, int pid);
void kp_close(struct kp_session *s);
/*
 * Read every record written so far and apply those that are contiguous in
 * seq.  Returns the number applied.  Fails the test on a LOST record or a
 * malformed one.
 */
size_t kp_drain(struct kp_session *s);
void kp_log_reset(struct kp_session *s);

/* Model lookups. */
const struct kp_pte *kp_pte_get(const struct kp_session *s, uint64_t vaddr);
size_t kp_pte_count_range(const struct kp_session *s, uint64_t start,
			  uint64_t end);

/*
 * Compare the model with /proc/<pid>/maps and /proc/<pid>/pagemap.
 * Prints every difference (at most @max_print) and returns their number.
 */
size_t kp_compare(const struct kp_session *s, int pid, size_t max_print);

/* pagemap pfn of @vaddr in @pid, 0 if not present. */
uint64_t kp_pagemap_pfn(int pid, uint64_t vaddr);

/* printf to stderr, then exit(1). */
void kp_die(const char *fmt, ...) __attribute__((format(printf, 1, 2),
						  noreturn));

#endif /* KPROBES_REC_H */
