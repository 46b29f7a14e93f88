// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check walkrace / churn: page-table walks of another process racing
 * with that process freeing its page tables.
 *
 * walkrace: with the module's test hook stalling every walk between reading
 * a pmd and reading the PTE table it points to, KMR_IOC_WALK of a page races
 * with the target unmapping the 2 MiB region around it (its PTE table is
 * freed) and mapping eight fresh 2 MiB regions (their new PTE tables reuse
 * freed pages).  A walk that holds no lock reads the freed table after it
 * was reused and returns a pfn the address never had; a walk under
 * mmap_read_lock holds the munmap off and returns the page the address
 * really had.
 *
 * churn: two CPUs, no test hook.  The target maps, unmaps, zaps, protects,
 * moves and collapses (MADV_COLLAPSE, khugepaged) anonymous and shmem
 * memory while WALKs, START snapshots and the resyncs of a session whose
 * small ring overflows read its page tables, and compaction migrates its
 * pages.  Then the target stops, and the long session and a last snapshot
 * must equal /proc/<pid>/maps and pagemap exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kwalk_check.h"
#include "kcore_target.h"

#ifndef MADV_COLLAPSE
#define MADV_COLLAPSE	25
#endif

/* An empty 1 GiB of address space (below the mmap base of a static binary). */
#define KW_BASE		0x300000000000ull
#define KW_R		(KW_BASE + 4 * KW_PMD)		/* the walked region */
#define KW_R2		(KW_BASE + 8 * KW_PMD)		/* 8 fresh regions */
#define KW_OFF		(100 * KW_PAGE)			/* the walked page */

static void kw_xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		kc_die("pipe write: %s", strerror(errno));
}

static void kw_xread(int fd, void *p, size_t n)
{
	if (read(fd, p, n) != (ssize_t)n)
		kc_die("pipe read: %s", n ? "short" : "eof");
}

static void kw_touch(uint64_t addr, uint64_t len, char v)
{
	uint64_t a;

	for (a = addr; a < addr + len; a += KW_PAGE)
		*(volatile char *)a = v;
}

static void kw_anon_4k(uint64_t addr, uint64_t len, char v)
{
	kw_map_at(addr, len, PROT_READ | PROT_WRITE,
		  MAP_PRIVATE | MAP_ANONYMOUS);
	madvise((void *)addr, len, MADV_NOHUGEPAGE);
	kw_touch(addr, len, v);
}

/* walkrace target: one command byte in, one answer out, per step. */
static void kw_walkrace_target(int cmd, int ans)
{
	uint64_t pfn;
	char c, v = 1;
	int k;

	kw_pin(1);
	/* Keeps the PMD table of the whole 1 GiB: only PTE tables are freed. */
	kw_anon_4k(KW_BASE, KW_PAGE, 1);
	for (;;) {
		kw_anon_4k(KW_R, KW_PMD, v++);
		pfn = kw_pagemap_pfn(getpid(), KW_R + KW_OFF);
		kw_xwrite(ans, &pfn, sizeof(pfn));
		kw_xread(cmd, &c, 1);
		if (c == 'q')
			_exit(0);
		munmap((void *)KW_R, KW_PMD);
		for (k = 0; k < 8; k++)
			kw_anon_4k(KW_R2 + k * KW_PMD, KW_PMD, v);
		kw_xwrite(ans, "d", 1);
		kw_xread(cmd, &c, 1);
		munmap((void *)KW_R2, 8 * KW_PMD);
	}
}

struct kw_walker {
	pid_t pid;
	struct kmr_walk w;
	int err;
	uint64_t t0, t1;
};

static void *kw_walker_fn(void *arg)
{
	struct kw_walker *wk = arg;
	int fd;

	kw_pin(0);
	fd = open("/dev/" KMR_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		kc_die("open: %s", strerror(errno));
	memset(&wk->w, 0, sizeof(wk->w));
	wk->w.pid = wk->pid;
	wk->w.vaddr = KW_R + KW_OFF;
	wk->t0 = kc_now();
	wk->err = ioctl(fd, KMR_IOC_WALK, &wk->w) ? errno : 0;
	wk->t1 = kc_now();
	close(fd);
	return NULL;
}

/* walkrace [iterations] [delay ms] */
int kw_walkrace(int argc, char **argv)
{
	int iters = argc > 0 ? atoi(argv[0]) : 6;
	unsigned int delay = argc > 1 ? (unsigned int)atoi(argv[1]) : 300;
	int before = 0, after = 0, stale = 0, i, cp[2], ap[2], st;
	double munmap_ms, max_munmap = 0;
	uint64_t pfn, t0;
	pid_t pid;
	char c;

	if (kw_ncpus() < 2) {
		printf("walkrace: needs 2 CPUs\n");
		exit(KW_SKIP);
	}
	if (!kw_set_walk_delay(0))
		kc_die("the module has no test_walk_delay_ms parameter");
	if (pipe(cp) || pipe(ap))
		kc_die("pipe: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(cp[1]);
		close(ap[0]);
		kw_walkrace_target(cp[0], ap[1]);
	}
	close(cp[0]);
	close(ap[1]);
	/* Off CPU 0, whose walker may spin with interrupts off. */
	kw_pin(1);
	kw_set_walk_delay(delay);
	for (i = 0; i < iters; i++) {
		struct kw_walker wk = { .pid = pid };
		pthread_t t;

		kw_xread(ap[0], &pfn, sizeof(pfn));
		if (!pfn)
			kc_die("target: its page at %#llx is not present",
			       KW_R + KW_OFF);
		if (pthread_create(&t, NULL, kw_walker_fn, &wk))
			kc_die("pthread_create");
		/* The walk is in its stall: now free its page table. */
		usleep(delay * 1000 / 3);
		t0 = kc_now();
		kw_xwrite(cp[1], "g", 1);
		kw_xread(ap[0], &c, 1);
		munmap_ms = kw_ms_since(t0);
		pthread_join(t, NULL);
		if (munmap_ms > max_munmap)
			max_munmap = munmap_ms;
		if (wk.err)
			kc_die("WALK: %s", strerror(wk.err));
		printf("walkrace %d: page pfn %#" PRIx64 ", WALK (%.0f ms) stop %u leaf %u pfn %#llx; unmap+remap took %.0f ms\n",
		       i, pfn, (wk.t1 - wk.t0) / 1e6, wk.w.stop_level,
		       wk.w.leaf, (unsigned long long)wk.w.pfn, munmap_ms);
		if (wk.w.leaf && wk.w.pfn == pfn)
			before++;
		else if (wk.w.leaf)
			stale++;
		else
			after++;
		kw_xwrite(cp[1], "n", 1);
	}
	kw_set_walk_delay(0);
	kw_xread(ap[0], &pfn, sizeof(pfn));
	kw_xwrite(cp[1], "q", 1);
	waitpid(pid, &st, 0);
	printf("walkrace: %d walks saw the page, %d saw it unmapped, %d read a freed page table (pfns it never had); unmap waited up to %.0f ms\n",
	       before, after, stale, max_munmap);
	if (stale)
		kc_die("KMR_IOC_WALK read a page table that was freed under it (%d of %d walks)",
		       stale, iters);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* churn                                                                    */
/* ------------------------------------------------------------------------ */

#define KW_SLOTS	16
#define KW_SLOT		(4 * KW_PMD)

/* What the target did, in a page it shares with the parent. */
struct kw_churn_stats {
	uint64_t ops, maps, unmaps, zaps, protects, moves, thps;
	uint64_t collapse_ok, collapse_tried, shmem_collapse_ok;
};

static uint64_t kw_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void __attribute__((noreturn))
kw_churn_target(struct kw_churn_stats *cs, int ready)
{
	uint64_t seed = 0x9e3779b97f4a7c15ull ^ (uint64_t)getpid();
	int memfd = memfd_create("kwalk-shmem", 0);
	char kind[KW_SLOTS] = { 0 };	/* 0 empty, 1 anon, 2 shmem */

	if (memfd < 0 || ftruncate(memfd, KW_SLOT))
		kc_die("memfd: %s", strerror(errno));
	/* Keeps the PMD table; the rest comes and goes. */
	kw_anon_4k(KW_BASE, KW_PAGE, 1);
	kw_xwrite(ready, "r", 1);
	for (;;) {
		uint64_t r = kw_rand(&seed);
		int s = 1 + r % (KW_SLOTS - 1), op = (r >> 8) % 8;
		uint64_t a = KW_BASE + s * KW_SLOT;
		uint64_t off = ((r >> 16) % 512) * KW_PAGE;
		uint64_t len = (1 + (r >> 32) % 256) * KW_PAGE;
		void *p;

		if (off + len > KW_SLOT)
			len = KW_SLOT - off;
		cs->ops++;
		if (!kind[s] || op == 0) {
			if (kind[s])
				munmap((void *)a, KW_SLOT);
			if (r & (1ull << 40)) {
				p = mmap((void *)a, KW_SLOT,
					 PROT_READ | PROT_WRITE,
					 MAP_SHARED | MAP_FIXED, memfd, 0);
				kind[s] = 2;
			} else {
				p = mmap((void *)a, KW_SLOT,
					 PROT_READ | PROT_WRITE,
					 MAP_PRIVATE | MAP_ANONYMOUS |
					 MAP_FIXED, -1, 0);
				madvise(p, KW_SLOT, MADV_NOHUGEPAGE);
				kind[s] = 1;
			}
			if (p == MAP_FAILED)
				kc_die("target mmap: %s", strerror(errno));
			kw_touch(a + off, len, (char)r);
			cs->maps++;
			continue;
		}
		switch (op) {
		case 1:
			munmap((void *)a, KW_SLOT);
			kind[s] = 0;
			cs->unmaps++;
			break;
		case 2:
			madvise((void *)(a + off), len, MADV_DONTNEED);
			cs->zaps++;
			break;
		case 3:
			mprotect((void *)(a + off), len, PROT_READ);
			mprotect((void *)(a + off), len,
				 PROT_READ | PROT_WRITE);
			cs->protects++;
			break;
		case 4:
			/* THP faults, then a zap that splits one. */
			if (kind[s] == 1) {
				madvise((void *)a, KW_SLOT, MADV_HUGEPAGE);
				kw_touch(a, KW_SLOT, (char)r);
				madvise((void *)(a + KW_PMD + off / 2), KW_PAGE,
					MADV_DONTNEED);
				cs->thps++;
			}
			break;
		case 5:
			/* 4 KiB pages filled in, then collapsed (retract on shmem). */
			kw_touch(a, KW_PMD, (char)r);
			cs->collapse_tried++;
			if (!madvise((void *)a, KW_PMD, MADV_COLLAPSE)) {
				if (kind[s] == 2)
					cs->shmem_collapse_ok++;
				else
					cs->collapse_ok++;
			}
			break;
		case 6:
			/* Move the slot's first half onto its second half. */
			p = mremap((void *)a, 2 * KW_PMD, 2 * KW_PMD,
				   MREMAP_MAYMOVE | MREMAP_FIXED,
				   (void *)(a + 2 * KW_PMD));
			if (p != MAP_FAILED)
				cs->moves++;
			/* the first half is a hole now: refill the slot */
			munmap((void *)a, KW_SLOT);
			kind[s] = 0;
			break;
		default:
			kw_touch(a + off, len, (char)r);
			break;
		}
	}
}

struct kw_walks {
	pid_t pid;
	volatile int stop;
	uint64_t walks, leaves, holes;
};

static void *kw_walks_fn(void *arg)
{
	struct kw_walks *ws = arg;
	uint64_t seed = 12345;
	int fd = open("/dev/" KMR_DEVICE_NAME, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		kc_die("open: %s", strerror(errno));
	while (!ws->stop) {
		struct kmr_walk w = { .pid = ws->pid };
		uint64_t r = kw_rand(&seed);

		w.vaddr = KW_BASE + r % (KW_SLOTS * KW_SLOT);
		if (ioctl(fd, KMR_IOC_WALK, &w))
			kc_die("WALK %#llx: %s", (unsigned long long)w.vaddr,
			       strerror(errno));
		if (w.leaf && (!w.pfn || !w.page_size))
			kc_die("WALK %#llx: leaf with pfn %#llx size %llu",
			       (unsigned long long)w.vaddr,
			       (unsigned long long)w.pfn,
			       (unsigned long long)w.page_size);
		ws->walks++;
		if (w.leaf)
			ws->leaves++;
		if (w.stop_level == KMR_LVL_NONE)
			ws->holes++;
	}
	close(fd);
	return NULL;
}

/* Compaction migrates the target's pages: remove_migration_pte walks. */
static void *kw_compact_fn(void *arg)
{
	struct kw_walks *ws = arg;

	while (!ws->stop) {
		kw_write_file("/proc/sys/vm/compact_memory", "1");
		usleep(200 * 1000);
	}
	return NULL;
}

struct kw_long {
	struct kc_sess k;
	struct km_model m;
	volatile int stop;
	uint64_t pauses;
	FILE *log;		/* the records about the churned range */
};

static bool kw_in_churn(uint64_t start, uint64_t end)
{
	return start < KW_BASE + KW_SLOTS * KW_SLOT && end > KW_BASE;
}

/* Apply, and log what concerns the churned range (for a failure's story). */
static void kw_long_apply(const struct kmr_event *ev, uint32_t ring,
			  void *priv)
{
	struct kw_long *l = priv;
	bool show = true;

	switch (ev->kind) {
	case KMR_EV_VMA: {
		const struct kmr_ev_vma *e = (const void *)ev;

		show = kw_in_churn(e->start, e->end);
		break;
	}
	case KMR_EV_PTE: {
		const struct kmr_ev_pte *e = (const void *)ev;

		show = kw_in_churn(e->vaddr, e->vaddr +
				   ((uint64_t)e->nr << e->shift));
		break;
	}
	case KMR_EV_PTE_UNMAP: {
		const struct kmr_ev_pte_unmap *e = (const void *)ev;

		show = kw_in_churn(e->start, e->end);
		break;
	}
	case KMR_EV_FAULT:
	case KMR_EV_COW:
	case KMR_EV_PAGE_DATA:
	case KMR_EV_MEM_WRITE:
		show = false;
		break;
	}
	if (show && l->log) {
		fprintf(l->log, "r%u ", ring);
		km_print(l->log, ev);
	}
	km_apply(ev, ring, &l->m);
}

/* Reads the long session in bursts: the 64 KiB ring overflows between. */
static void *kw_long_fn(void *arg)
{
	struct kw_long *l = arg;
	uint64_t n = 0;

	while (!l->stop) {
		if (kc_drain(&l->k, kw_long_apply, l) < 0)
			kc_die("long session: malformed ring");
		if (++n % 200 == 0) {
			usleep(300 * 1000);
			l->pauses++;
		} else {
			usleep(1000);
		}
	}
	return NULL;
}

static const char *kw_khp = "/sys/kernel/mm/transparent_hugepage/khugepaged/";

static void kw_khugepaged(const char *name, const char *val, char *old)
{
	char path[160];
	long long v;

	snprintf(path, sizeof(path), "%s%s", kw_khp, name);
	v = kw_read_ll(path);
	if (old)
		snprintf(old, 32, "%lld", v);
	if (v >= 0)
		kw_write_file(path, val);
}

static long long kw_vmstat(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen("/proc/vmstat", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = atoll(line + n + 1);
	fclose(f);
	return v;
}

#define KW_THP_ENABLED	"/sys/kernel/mm/transparent_hugepage/enabled"

/* Set THP's mode; *old gets the one that was selected ("[always] ..."). */
static void kw_thp_enabled(const char *mode, char *old)
{
	char buf[128] = "", *a, *b;
	FILE *f = fopen(KW_THP_ENABLED, "r");

	if (f) {
		if (!fgets(buf, sizeof(buf), f))
			buf[0] = 0;
		fclose(f);
	}
	if (old) {
		a = strchr(buf, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b && b - a < 32) {
			*b = 0;
			strcpy(old, a + 1);
		} else {
			strcpy(old, "always");
		}
	}
	kw_write_file(KW_THP_ENABLED, mode);
}

/* Records the rings dropped so far. */
static uint64_t kw_drops(const struct kc_sess *k)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < k->at.nr_rings; i++)
		sum += __atomic_load_n(&k->ctl->ring[i].lost, __ATOMIC_RELAXED);
	return sum;
}

/* Snapshot, stop, compare: the session's model must equal the target. */
static void kw_final_compare(struct kw_long *l, pid_t pid, const char *what)
{
	uint64_t pages, deadline = kc_now() + 60000000000ull;
	struct kc_sess *k = &l->k;
	struct km_model *m = &l->m;
	long diffs;

	/*
	 * Every drop reported (the rings count them: a drop whose LOST is
	 * still pending leaves the model looking whole), and a resync after
	 * the last one.
	 */
	while (m->unknown || m->in_snapshot || m->lost != kw_drops(k)) {
		if (kc_now() > deadline)
			kc_die("%s: no complete resync within 60 s (unknown %d, %" PRIu64 " of %" PRIu64 " drops reported)",
			       what, m->unknown, m->lost, kw_drops(k));
		if (kc_drain(k, kw_long_apply, l) < 0)
			kc_die("%s: malformed ring", what);
		usleep(1000);
	}
	if (kc_ioctl(k, KMR_IOC_STOP, NULL) ||
	    kc_drain_final(k, kw_long_apply, l))
		kc_die("%s: STOP/drain failed", what);
	if (m->unknown)
		kc_die("%s: records were lost after the last resync", what);
	diffs = km_compare(m, pid, 30, &pages);
	printf("churn: %s: %" PRIu64 " records, %" PRIu64 " LOST records (%" PRIu64 " drops), %" PRIu64 " resyncs, %" PRIu64 " present pages, %ld differences\n",
	       what, k->delivered, m->lost_records, m->lost,
	       m->snapshots[KMR_SNAP_RESYNC], pages, diffs);
	if (diffs)
		kc_die("%s differs from maps/pagemap in %ld places", what,
		       diffs);
}

/* churn [seconds] [snapshots] */
int kw_churn(int argc, char **argv)
{
	int secs = argc > 0 ? atoi(argv[0]) : 20;
	int want_snaps = argc > 1 ? atoi(argv[1]) : 200;
	struct kw_churn_stats *cs;
	struct kw_walks ws = { 0 };
	struct kw_long l = { 0 };
	char old_scan[32], old_alloc[32], old_pages[32], old_thp[32];
	pthread_t tw, tc, tl;
	long long coll0, coll1, migr0, migr1;
	uint64_t end, snaps = 0, snap_pages = 0;
	struct kt_target t = { 0 };
	int rp[2], r;
	char c;

	cs = mmap(NULL, sizeof(*cs), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (cs == MAP_FAILED || pipe(rp))
		kc_die("setup: %s", strerror(errno));
	kw_khugepaged("scan_sleep_millisecs", "10", old_scan);
	kw_khugepaged("alloc_sleep_millisecs", "10", old_alloc);
	kw_khugepaged("pages_to_scan", "4096", old_pages);
	coll0 = kw_vmstat("thp_collapse_alloc");
	migr0 = kw_vmstat("pgmigrate_success");

	t.pid = fork();
	if (!t.pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(rp[0]);
		kw_churn_target(cs, rp[1]);
	}
	close(rp[1]);
	kw_xread(rp[0], &c, 1);
	t.ready_fd = rp[0];

	/* The long session: 64 KiB rings read in bursts -> LOST, resyncs. */
	kc_session(&l.k, t.pid, KMR_RING_SIZE_MIN, 0);
	km_init(&l.m);
	l.log = fopen("churn-records.txt", "w");
	r = kc_start_draining(&l.k, kw_long_apply, &l);
	if (r)
		kc_die("long session START: %s", strerror(-r));
	ws.pid = t.pid;
	if (pthread_create(&tw, NULL, kw_walks_fn, &ws) ||
	    pthread_create(&tc, NULL, kw_compact_fn, &ws) ||
	    pthread_create(&tl, NULL, kw_long_fn, &l))
		kc_die("pthread_create");

	end = kc_now() + (uint64_t)secs * 1000000000ull;
	while (kc_now() < end || (int)snaps < want_snaps) {
		struct kc_sess k;
		struct km_model m;

		kc_session(&k, t.pid, 0, 0);
		km_init(&m);
		r = kc_start_draining(&k, km_apply, &m);
		if (r)
			kc_die("snapshot %" PRIu64 ": START: %s", snaps,
			       strerror(-r));
		if (kc_ioctl(&k, KMR_IOC_STOP, NULL) ||
		    kc_drain_final(&k, km_apply, &m))
			kc_die("snapshot %" PRIu64 ": STOP/drain", snaps);
		if (m.snapshots[KMR_SNAP_START] != 1)
			kc_die("snapshot %" PRIu64 ": no START snapshot", snaps);
		snap_pages += m.end_ptes;
		snaps++;
		kc_close(&k);
		km_free(&m);
	}
	ws.stop = 1;
	pthread_join(tw, NULL);
	pthread_join(tc, NULL);
	kt_stop(&t);
	l.stop = 1;
	pthread_join(tl, NULL);
	coll1 = kw_vmstat("thp_collapse_alloc");
	migr1 = kw_vmstat("pgmigrate_success");
	/* khugepaged must not change the stopped target while we compare. */
	kw_khugepaged("scan_sleep_millisecs", old_scan, NULL);
	kw_khugepaged("alloc_sleep_millisecs", old_alloc, NULL);
	kw_khugepaged("pages_to_scan", old_pages, NULL);
	kw_thp_enabled("never", old_thp);
	printf("churn: target: %" PRIu64 " ops (%" PRIu64 " maps, %" PRIu64 " unmaps, %" PRIu64 " zaps, %" PRIu64 " mprotects, %" PRIu64 " mremaps, %" PRIu64 " THP fills), MADV_COLLAPSE %" PRIu64 " anon + %" PRIu64 " shmem of %" PRIu64 "\n",
	       cs->ops, cs->maps, cs->unmaps, cs->zaps, cs->protects,
	       cs->moves, cs->thps, cs->collapse_ok, cs->shmem_collapse_ok,
	       cs->collapse_tried);
	printf("churn: %" PRIu64 " WALKs (%" PRIu64 " leaves, %" PRIu64 " outside any VMA), %" PRIu64 " START snapshots (%" PRIu64 " present pages), long session read with %" PRIu64 " pauses; vmstat: %lld collapses, %lld pages migrated\n",
	       ws.walks, ws.leaves, ws.holes, snaps, snap_pages, l.pauses,
	       coll1 - coll0, migr1 - migr0);
	kw_final_compare(&l, t.pid, "long session");
	{
		struct kw_long last = { 0 };

		kc_session(&last.k, t.pid, 0, 0);
		km_init(&last.m);
		r = kc_start_draining(&last.k, km_apply, &last.m);
		if (r)
			kc_die("last snapshot: START: %s", strerror(-r));
		kw_final_compare(&last, t.pid, "last snapshot");
		kc_close(&last.k);
		km_free(&last.m);
	}
	kc_close(&l.k);
	km_free(&l.m);
	kt_kill(&t);
	kw_thp_enabled(old_thp, NULL);
	if (l.log) {
		fclose(l.log);
		unlink("churn-records.txt");	/* kept only on a failure */
	}
	if (!ws.walks || snaps < (uint64_t)want_snaps)
		kc_die("too little happened");
	return 0;
}
