// SPDX-License-Identifier: GPL-2.0
/*
 * kprobes_check: the hooks of kmemrec.ko against the kernel's own view.
 *
 * A child (the target) runs known memory operations and stops at
 * checkpoints; at each one the parent drains the rings, applies the records
 * to its model (kprobes_rec.c) and requires (1) the model to equal
 * /proc/<child>/maps and pagemap exactly and (2) the records of the step
 * to be the expected ones: N written pages = N PTE records with pagemap's
 * pfns, N CoW after fork with the old and new pfns, the munmap range, the
 * mremap destination with the same pfns, zero-page CoW, exec, exit code,
 * and the FAULT count equal to ftrace's exceptions:page_fault_user count
 * for the child (rule: FAULT records with KMR_FAULT_USER, not REMOTE, tid =
 * the child; the child makes no invalid access, so every user fault the
 * tracepoint sees reaches handle_mm_fault and completes once).
 *
 * usage: kprobes_check            (prints "kprobes_check: PASS")
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kprobes_check.h"
#include "kprobes_rec.h"
#include "kring.h"

/* ------------------------------------------------------------------------ */
/* The checker                                                              */
/* ------------------------------------------------------------------------ */

static int failures;

#define CHECK(cond, ...) do {						\
		if (!(cond)) {						\
			printf("FAIL: " __VA_ARGS__);			\
			putchar('\n');					\
			failures++;					\
		}							\
	} while (0)

/* PTE entries (4 KiB pages) in [start, end) that records of @cause set. */
static size_t count_pte(struct kp_session *s, uint64_t start, uint64_t end,
			int cause, uint64_t *pfns)
{
	size_t i, n = 0, k;

	for (i = 0; i < s->nlog; i++) {
		const struct kmr_ev_pte *p = (const void *)s->log[i];

		if (p->h.kind != KMR_EV_PTE || p->shift != 12 ||
		    (cause >= 0 &&
		     (p->h.flags & KMR_PTE_CAUSE_MASK) != (uint32_t)cause))
			continue;
		for (k = 0; k < p->nr; k++) {
			uint64_t va = p->vaddr + k * PG;

			if (va < start || va >= end ||
			    !(KMR_PTE_FLAGS(p->entry[k]) & KMR_PTE_PRESENT))
				continue;
			if (pfns)
				pfns[(va - start) / PG] = KMR_PTE_PFN(p->entry[k]);
			n++;
		}
	}
	return n;
}

/*
 * Whether the step's records remove every 4 KiB page of [start, end): an
 * UNMAP covering it, or a PTE record with a non-present entry for it.
 */
static int unmapped(struct kp_session *s, uint64_t start, uint64_t end)
{
	uint64_t va;
	size_t i, k;

	for (va = start; va < end; va += PG) {
		int gone = 0;

		for (i = 0; i < s->nlog && !gone; i++) {
			const struct kmr_ev_pte_unmap *u = (const void *)s->log[i];
			const struct kmr_ev_pte *p = (const void *)s->log[i];

			if (u->h.kind == KMR_EV_PTE_UNMAP)
				gone = u->start <= va && va < u->end;
			else if (p->h.kind == KMR_EV_PTE)
				for (k = 0; k < p->nr && !gone; k++)
					gone = p->vaddr + (k << (p->shift - 12)) * PG <= va &&
					       va < p->vaddr + ((k + 1) << (p->shift - 12)) * PG &&
					       !(KMR_PTE_FLAGS(p->entry[k]) & KMR_PTE_PRESENT);
		}
		if (!gone)
			return 0;
	}
	return 1;
}

/* The cause of the step's last present PMD record at @va, or -1. */
static int collapse_cause(struct kp_session *s, uint64_t va)
{
	int cause = -1;
	size_t i;

	for (i = 0; i < s->nlog; i++) {
		const struct kmr_ev_pte *p = (const void *)s->log[i];

		if (p->h.kind == KMR_EV_PTE && p->shift == 21 &&
		    p->vaddr == va && p->nr >= 1 &&
		    (KMR_PTE_FLAGS(p->entry[0]) & KMR_PTE_PRESENT))
			cause = (int)(p->h.flags & KMR_PTE_CAUSE_MASK);
	}
	return cause;
}

/* Records of @kind; FAULT counts the PTE records that carry one too. */
static size_t count_kind(struct kp_session *s, unsigned int kind)
{
	size_t i, n = 0;

	for (i = 0; i < s->nlog; i++)
		n += s->log[i]->kind == kind ||
		     (kind == KMR_EV_FAULT && kring_fault(s->log[i]));
	return n;
}

/*
 * Faults in [start, end) reported inside their PTE record (*fused) and by
 * a FAULT record alone (*alone): issue 10's one record per common fault.
 */
static void count_fault_recs(struct kp_session *s, uint64_t start,
			     uint64_t end, size_t *fused, size_t *alone)
{
	size_t i;

	*fused = *alone = 0;
	for (i = 0; i < s->nlog; i++) {
		const struct kmr_fault_info *f = kring_fault(s->log[i]);

		if (!f || f->vaddr < start || f->vaddr >= end)
			continue;
		if (s->log[i]->kind == KMR_EV_PTE)
			(*fused)++;
		else
			(*alone)++;
	}
}

static uint64_t user_faults;	/* FAULT|USER by the child, not remote */

static void count_faults(struct kp_session *s, int pid)
{
	size_t i;

	for (i = 0; i < s->nlog; i++) {
		const struct kmr_fault_info *f = kring_fault(s->log[i]);

		if (f && (int)f->tid == pid &&
		    (f->fault_flags & KMR_FAULT_USER) &&
		    !(f->fault_flags & KMR_FAULT_REMOTE))
			user_faults++;
	}
}

static void tracefs_abs(const char *path, const char *val)
{
	int fd = open(path, O_WRONLY | O_TRUNC);

	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		kp_die("write %s", path);
	close(fd);
}

static void tracefs(const char *file, const char *val)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/sys/kernel/tracing/%s", file);
	fd = open(path, O_WRONLY | O_TRUNC);
	if (fd < 0 || write(fd, val, strlen(val)) != (ssize_t)strlen(val))
		kp_die("write %s", path);
	close(fd);
}

static uint64_t ftrace_count(void)
{
	FILE *f = fopen("/sys/kernel/tracing/trace", "r");
	char line[512];
	uint64_t n = 0;

	if (!f)
		kp_die("open trace");
	while (fgets(line, sizeof(line), f))
		n += strstr(line, "page_fault_user:") != NULL;
	fclose(f);
	return n;
}

static uint64_t saved[NPAGES];	/* pfns after ANON, then after COW */
static uint64_t ksm_pfn;
static int thp_back;		/* khugepaged collapsed the DONTNEED range */

/* Run ksmd until the 8 pages at @va share one frame (10 s at most). */
static bool ksm_wait(int pid, uint64_t va)
{
	int t, i;

	tracefs_abs("/sys/kernel/mm/ksm/pages_to_scan", "1000");
	tracefs_abs("/sys/kernel/mm/ksm/sleep_millisecs", "10");
	tracefs_abs("/sys/kernel/mm/ksm/run", "1");
	for (t = 0; t < 1000; t++) {
		uint64_t first = kp_pagemap_pfn(pid, va);

		for (i = 1; i < 8; i++)
			if (kp_pagemap_pfn(pid, va + i * PG) != first)
				break;
		if (i == 8 && first)
			break;
		usleep(10000);
	}
	tracefs_abs("/sys/kernel/mm/ksm/run", "0");
	return t < 1000;
}

static void check_step(struct kp_session *s, int pid, const struct msg *m)
{
	uint64_t pfn[NPAGES] = { 0 }, i;
	size_t n, fused, alone;

	switch (m->step) {
	case ST_ANON:
		n = count_pte(s, m->a, m->a + m->b * PG, KMR_PTE_CAUSE_FAULT, pfn);
		CHECK(n == m->b, "anon: %zu PTE records for %" PRIu64 " pages", n, m->b);
		count_fault_recs(s, m->a, m->a + m->b * PG, &fused, &alone);
		CHECK(fused == m->b && !alone,
		      "anon: %" PRIu64 " first touches: %zu faults in their PTE record, %zu alone",
		      m->b, fused, alone);
		for (i = 0; i < m->b; i++) {
			saved[i] = kp_pagemap_pfn(pid, m->a + i * PG);
			CHECK(pfn[i] == saved[i], "anon page %" PRIu64
			      ": record pfn %#" PRIx64 ", pagemap %#" PRIx64,
			      i, pfn[i], saved[i]);
		}
		break;
	case ST_COW: {
		size_t cows = 0, k;

		CHECK(s->forks == 1, "fork: %" PRIu64 " FORK records", s->forks);
		for (k = 0; k < s->nlog; k++) {
			const struct kmr_ev_cow *c = (const void *)s->log[k];
			uint64_t idx;

			if (c->h.kind != KMR_EV_COW || c->vaddr < m->a ||
			    c->vaddr >= m->a + m->b * PG)
				continue;
			idx = (c->vaddr - m->a) / PG;
			cows++;
			CHECK(c->old_pfn == saved[idx] &&
			      c->new_pfn == kp_pagemap_pfn(pid, c->vaddr),
			      "cow page %" PRIu64 ": %#llx->%#llx, pagemap before %#"
			      PRIx64 " after %#" PRIx64, idx,
			      (unsigned long long)c->old_pfn,
			      (unsigned long long)c->new_pfn, saved[idx],
			      kp_pagemap_pfn(pid, c->vaddr));
		}
		CHECK(cows == m->b, "cow: %zu COW records for %" PRIu64 " writes",
		      cows, m->b);
		count_fault_recs(s, m->a, m->a + m->b * PG, &fused, &alone);
		CHECK(fused == m->b && !alone,
		      "cow: %" PRIu64 " CoW faults: %zu in their PTE record, %zu alone",
		      m->b, fused, alone);
		for (i = 0; i < m->b; i++)
			saved[i] = kp_pagemap_pfn(pid, m->a + i * PG);
		break;
	}
	case ST_MUNMAP: {
		size_t k, hit = 0;

		for (k = 0; k < s->nlog; k++) {
			const struct kmr_ev_pte_unmap *u = (const void *)s->log[k];

			if (u->h.kind == KMR_EV_PTE_UNMAP &&
			    u->h.flags == KMR_UNMAP_MUNMAP &&
			    u->start <= m->a && u->end >= m->a + m->b * PG)
				hit++;
		}
		CHECK(hit >= 1, "munmap: no PTE_UNMAP(MUNMAP) covering the range");
		CHECK(kp_pte_count_range(s, m->a, m->a + m->b * PG) == 0,
		      "munmap: model keeps PTEs in the range");
		break;
	}
	case ST_MREMAP:
		n = count_pte(s, m->b, m->b + m->c * PG, KMR_PTE_CAUSE_MREMAP, pfn);
		CHECK(n == m->c, "mremap: %zu MREMAP PTEs for %" PRIu64 " pages",
		      n, m->c);
		for (i = 0; i < m->c; i++)
			CHECK(pfn[i] == saved[48 + i] &&
			      kp_pagemap_pfn(pid, m->b + i * PG) == saved[48 + i],
			      "mremap page %" PRIu64 ": record %#" PRIx64
			      " before %#" PRIx64, i, pfn[i], saved[48 + i]);
		break;
	case ST_ZERO_READ:
		for (i = 0; i < m->b; i++) {
			const struct kp_pte *p = kp_pte_get(s, m->a + i * PG);

			CHECK(p && (KMR_PTE_FLAGS(p->entry) & KMR_PTE_ZERO),
			      "zero page %" PRIu64 ": not mapped to the zero page", i);
			if (p)
				saved[i] = KMR_PTE_PFN(p->entry);
		}
		break;
	case ST_ZERO_WRITE: {
		size_t k, cows = 0;

		for (k = 0; k < s->nlog; k++) {
			const struct kmr_ev_cow *c = (const void *)s->log[k];

			if (c->h.kind == KMR_EV_COW && c->vaddr >= m->a &&
			    c->vaddr < m->a + m->b * PG &&
			    (c->cow_flags & KMR_COW_ZERO) &&
			    c->old_pfn == saved[(c->vaddr - m->a) / PG] &&
			    c->new_pfn == kp_pagemap_pfn(pid, c->vaddr))
				cows++;
		}
		CHECK(cows == m->b, "zero-page cow: %zu good COW records for %"
		      PRIu64 " writes", cows, m->b);
		break;
	}
	case ST_FILE:
		n = count_pte(s, m->a, m->a + m->b * PG, -1, NULL);
		CHECK(n >= 1, "file: no PTE record in the file mapping");
		break;
	case ST_THP: {
		const struct kp_pte *p = kp_pte_get(s, m->a);
		size_t k, huge = 0;

		for (k = 0; k < s->nlog; k++) {
			const struct kmr_ev_pte *e = (const void *)s->log[k];

			if (e->h.kind == KMR_EV_PTE && e->shift == 21 &&
			    e->vaddr == m->a)
				huge++;
		}
		if (!p || !(KMR_PTE_FLAGS(p->entry) & KMR_PTE_HUGE)) {
			printf("note: no THP at %#" PRIx64 " (THP off?), %zu PMD records\n",
			       m->a, huge);
			break;
		}
		CHECK(huge == 1, "thp: %zu PMD records for one huge fault", huge);
		break;
	}
	case ST_DONTNEED: {
		const struct kp_pte *p = kp_pte_get(s, m->a);
		size_t left = kp_pte_count_range(s, m->a, m->a + m->b * PG);
		int cause = collapse_cause(s, m->a);

		CHECK(unmapped(s, m->a, m->a + m->b * PG),
		      "dontneed: no record removes every page of the range");
		/*
		 * khugepaged may collapse the half-empty PMD back into a huge
		 * page (max_ptes_none is 511 by default) before the checker
		 * looks: the dropped pages are then mapped again, as zeroes,
		 * with no fault.  That is the kernel's truth too (the
		 * compare below checks it); it must come from a PMD record.
		 */
		if (left && p && (KMR_PTE_FLAGS(p->entry) & KMR_PTE_HUGE) &&
		    cause >= 0) {
			printf("note: khugepaged collapsed the range again (PMD cause %d)\n",
			       cause);
			thp_back = 1;
			break;
		}
		CHECK(left == 0,
		      "dontneed: model keeps %zu PTEs in the dropped range", left);
		break;
	}
	case ST_COLLAPSE: {
		const struct kp_pte *p = kp_pte_get(s, m->a);
		int cause = collapse_cause(s, m->a);

		if (m->c) {
			printf("note: MADV_COLLAPSE refused, collapse not tested\n");
			break;
		}
		if (thp_back) {	/* nothing left to collapse */
			CHECK(p && (KMR_PTE_FLAGS(p->entry) & KMR_PTE_HUGE),
			      "collapse: the huge page is gone");
			break;
		}
		/*
		 * The huge PMD is set after the collapse's invalidation has
		 * ended, so the module re-reads it when mmap_lock is dropped.
		 */
		CHECK(cause == KMR_PTE_CAUSE_COLLAPSE,
		      "collapse: PMD record cause %d, not COLLAPSE", cause);
		CHECK(p && (KMR_PTE_FLAGS(p->entry) & KMR_PTE_HUGE) &&
		      KMR_PTE_PFN(p->entry) == kp_pagemap_pfn(pid, m->a),
		      "collapse: model has no huge page of pagemap's frame at %#"
		      PRIx64, m->a);
		CHECK(kp_pte_count_range(s, m->a, m->a + m->b * PG) == m->b,
		      "collapse: %zu of %" PRIu64 " pages mapped",
		      kp_pte_count_range(s, m->a, m->a + m->b * PG), m->b);
		break;
	}
	case ST_PREMIGRATE:
		for (i = 0; i < m->b; i++)
			saved[i] = kp_pagemap_pfn(pid, m->a + i * PG);
		break;
	case ST_MIGRATE:
		if (m->c) {
			printf("note: MADV_SOFT_OFFLINE refused, migration not tested\n");
			break;
		}
		n = count_pte(s, m->a, m->a + m->b * PG,
			      KMR_PTE_CAUSE_MIGRATION, pfn);
		CHECK(n == m->b, "migration: %zu MIGRATION PTEs for %" PRIu64
		      " pages", n, m->b);
		for (i = 0; i < m->b; i++)
			CHECK(pfn[i] != saved[i] &&
			      pfn[i] == kp_pagemap_pfn(pid, m->a + i * PG),
			      "migration page %" PRIu64 ": %#" PRIx64 " -> record %#"
			      PRIx64 ", pagemap %#" PRIx64, i, saved[i], pfn[i],
			      kp_pagemap_pfn(pid, m->a + i * PG));
		break;
	case ST_KSM:
		ksm_pfn = 0;
		if (m->c || !ksm_wait(pid, m->a)) {
			printf("note: KSM did not merge (off?), KSM not tested\n");
			break;
		}
		kp_drain(s);
		ksm_pfn = kp_pagemap_pfn(pid, m->a);
		/*
		 * The pfns only: KSM marks the frame as a KSM page after it
		 * replaced the PTEs, so the re-read during the merge may not
		 * carry KMR_PTE_KSM yet (the CoW that breaks it does).
		 */
		for (i = 0; i < m->b; i++) {
			const struct kp_pte *p = kp_pte_get(s, m->a + i * PG);

			CHECK(p && KMR_PTE_PFN(p->entry) == ksm_pfn,
			      "ksm page %" PRIu64 ": not the KSM frame %#" PRIx64,
			      i, ksm_pfn);
		}
		break;
	case ST_KSM_COW: {
		size_t k, cows = 0;

		if (!ksm_pfn)
			break;
		for (k = 0; k < s->nlog; k++) {
			const struct kmr_ev_cow *c = (const void *)s->log[k];

			if (c->h.kind == KMR_EV_COW && c->vaddr == m->a &&
			    c->old_pfn == ksm_pfn && (c->cow_flags & KMR_COW_KSM) &&
			    c->new_pfn == kp_pagemap_pfn(pid, m->a))
				cows++;
		}
		CHECK(cows == 1, "ksm cow: %zu KSM COW records for one write",
		      cows);
		break;
	}
	case ST_EXECED:
		CHECK(s->execs == 1, "exec: %" PRIu64 " EXEC records", s->execs);
		n = count_pte(s, m->a, m->a + m->b * PG, KMR_PTE_CAUSE_FAULT, NULL);
		CHECK(n == m->b, "exec: %zu PTE records for %" PRIu64 " pages",
		      n, m->b);
		break;
	default:
		break;
	}
}

static int checker(int pid)
{
	struct kp_session s;
	struct msg m;
	uint64_t traced;
	int status, tries;
	size_t d;

	kp_open(&s, pid);
	tracefs("buffer_size_kb", "8192");
	tracefs("events/exceptions/page_fault_user/enable", "0");
	tracefs("trace", "");
	{
		char filt[64];

		snprintf(filt, sizeof(filt), "common_pid == %d", pid);
		tracefs("events/exceptions/page_fault_user/filter", filt);
	}
	tracefs("events/exceptions/page_fault_user/enable", "1");
	/* An earlier case in the same boot may have left tracing off. */
	tracefs("tracing_on", "1");
	for (;;) {
		if (read(c2p[0], &m, sizeof(m)) != sizeof(m))
			kp_die("target died before a checkpoint");
		kp_drain(&s);
		count_faults(&s, pid);
		check_step(&s, pid, &m);
		d = kp_compare(&s, pid, 20);
		printf("checkpoint %" PRIu64 ": %zu records, %zu VMAs, %zu PTEs, %zu diffs, %zu faults\n",
		       m.step, s.nlog, s.nvma, s.npte, d,
		       count_kind(&s, KMR_EV_FAULT));
		CHECK(d == 0, "checkpoint %" PRIu64 ": model != maps/pagemap", m.step);
		if (m.step == ST_EXECED) {
			tracefs("events/exceptions/page_fault_user/enable", "0");
			traced = ftrace_count();
			/* Leave no filter for the next case in this boot. */
			tracefs("events/exceptions/page_fault_user/filter", "0");
			printf("user faults: kmemrec %" PRIu64 ", ftrace %" PRIu64 "\n",
			       user_faults, traced);
			CHECK(user_faults == traced,
			      "fault count differs from exceptions:page_fault_user");
		}
		kp_log_reset(&s);
		if (write(p2c[1], "g", 1) != 1)
			kp_die("release target");
		if (m.step == ST_EXECED)
			break;
	}
	if (waitpid(pid, &status, 0) != pid)
		kp_die("waitpid");
	for (tries = 0; tries < 100 && !s.exits; tries++) {
		kp_drain(&s);
		if (!s.exits)
			usleep(10000);
	}
	CHECK(s.exits == 1, "exit: %" PRIu64 " EXIT records", s.exits);
	CHECK(s.exit_code == status, "exit code %d, wait() says %d",
	      s.exit_code, status);
	kp_close(&s);
	return failures;
}

int main(int argc, char **argv)
{
	pid_t pid;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc == 3 && !strcmp(argv[1], "exec-child"))
		return exec_child(argv[2]);
	if (pipe(c2p) || pipe(p2c))
		kp_die("pipe");
	pid = fork();
	if (!pid) {
		close(c2p[0]);
		close(p2c[1]);
		target("/proc/self/exe");
	}
	close(c2p[1]);
	close(p2c[0]);
	if (checker(pid)) {
		printf("kprobes_check: FAIL (%d)\n", failures);
		return 1;
	}
	printf("kprobes_check: PASS\n");
	return 0;
}
