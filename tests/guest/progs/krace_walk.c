// SPDX-License-Identifier: GPL-2.0
/*
 * krace walk ITER: page tables come and go under the module's walkers.
 *
 * A target churns 16 MiB at a fixed place with two threads: map 2 MiB
 * (sometimes MADV_HUGEPAGE), touch it, then munmap, MADV_DONTNEED or
 * mremap it away, so PTE tables and PMD leaves are freed and reallocated
 * all the time.  Meanwhile this process, from three threads, walks that
 * range: KMR_IOC_WALK on random addresses, KMR_IOC_MEM (walk mode, a manual
 * page-table walk) reads, and ITER cycles of ATTACH + START (the snapshot
 * walks every table) + STOP + close.  Issue 9 finding 2: the walks are
 * lockless, and on x86 before 6.15 a page table may be freed while another
 * CPU walks it; with KASAN and debug_pagealloc that is a report or an oops.
 *
 * Checked: every call answers an error it may; a WALK that says "present
 * leaf" gives a nonzero pfn and a page size that matches its level; the
 * rings stay well-formed; nothing hangs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "krace.h"

#define BASE	0x200000000UL	/* 8 GiB: PMD and PUD aligned */
#define SPAN	(16UL << 20)
#define HUGE	(2UL << 20)

static pid_t target;
static volatile int running;
static unsigned long long walks, walk_present, mems, mem_ok, snaps;

static void *churn(void *arg)
{
	unsigned long slot0 = (unsigned long)arg * (SPAN / 2 / HUGE);

	kh_seed((uint64_t)getpid() + (uint64_t)(long)arg);
	for (;;) {
		char *want = (char *)BASE + (slot0 + kh_below(SPAN / 2 / HUGE)) * HUGE;
		char *p = mmap(want, HUGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
		unsigned long i;

		if (p == MAP_FAILED)
			continue;
		if (kh_below(2))
			madvise(p, HUGE, MADV_HUGEPAGE);
		for (i = 0; i < HUGE; i += 4096 * (1 + kh_below(16)))
			p[i] = 1;
		switch (kh_below(3)) {
		case 0:
			munmap(p, HUGE);
			break;
		case 1:
			madvise(p, HUGE, MADV_DONTNEED);
			munmap(p, HUGE);
			break;
		default: {
			/* move it to the other half of this thread's slots
			 * (MREMAP_FIXED onto a free slot, else unmap) */
			char *to = (char *)BASE + (slot0 + kh_below(SPAN / 2 / HUGE)) * HUGE;
			void *q = to == p ? MAP_FAILED :
				  mremap(p, HUGE, HUGE, MREMAP_MAYMOVE | MREMAP_FIXED, to);

			munmap(q == MAP_FAILED ? p : q, HUGE);
			break;
		}
		}
	}
	return NULL;
}

static pid_t spawn_target(void)
{
	pid_t pid = fork();

	if (pid < 0)
		kh_die("fork: %s", strerror(errno));
	if (!pid) {
		pthread_t t;

		pthread_create(&t, NULL, churn, (void *)1L);
		churn((void *)0L);
		_exit(0);
	}
	return pid;
}

static uint64_t any_vaddr(void)
{
	return BASE + (kh_below(SPAN) & ~7UL);
}

static void *walker(void *arg)
{
	struct kh_sess k;

	(void)arg;
	kh_seed((uint64_t)getpid() * 3);
	if (kh_open(&k))
		kh_die("open: %s", strerror(errno));
	while (running) {
		struct kmr_walk w;
		int err;

		memset(&w, 0, sizeof(w));
		w.pid = (uint32_t)target;
		w.vaddr = any_vaddr();
		err = kh_ioctl(&k, KMR_IOC_WALK, &w);
		walks++;
		if (err && !kh_errno_allowed(KH_WALK, -err))
			kh_fail("WALK %#llx: %s", (unsigned long long)w.vaddr, kh_errname(-err));
		if (!err && w.leaf) {
			walk_present++;
			if ((w.pte_flags & KMR_PTE_PRESENT) && !w.pfn && !(w.pte_flags & KMR_PTE_ZERO))
				kh_fail("WALK %#llx: a present leaf with pfn 0 (flags %#x)",
					(unsigned long long)w.vaddr, w.pte_flags);
			if (w.stop_level == KMR_LVL_PTE && w.page_size != 4096)
				kh_fail("WALK %#llx: a PTE leaf of %llu bytes",
					(unsigned long long)w.vaddr,
					(unsigned long long)w.page_size);
			if (w.stop_level == KMR_LVL_PMD && w.page_size != HUGE)
				kh_fail("WALK %#llx: a PMD leaf of %llu bytes",
					(unsigned long long)w.vaddr,
					(unsigned long long)w.page_size);
		}
	}
	kh_close(&k);
	return NULL;
}

static void *reader(void *arg)
{
	static char buf[4096];
	struct kh_sess k;

	(void)arg;
	kh_seed((uint64_t)getpid() * 5);
	if (kh_open(&k))
		kh_die("open: %s", strerror(errno));
	while (running) {
		struct kmr_mem m;
		int err;

		memset(&m, 0, sizeof(m));
		m.pid = (uint32_t)target;
		m.mode = KMR_MEM_WALK;
		m.addr = any_vaddr();
		m.buf = (uint64_t)buf;
		m.len = 1 + kh_below(sizeof(buf));
		err = kh_ioctl(&k, KMR_IOC_MEM, &m);
		mems++;
		if (!err)
			mem_ok++;
		else if (!kh_errno_allowed(KH_MEM, -err))
			kh_fail("MEM %#llx: %s", (unsigned long long)m.addr, kh_errname(-err));
		if (!err && m.done > m.len)
			kh_fail("MEM: done %llu > len %llu", (unsigned long long)m.done,
				(unsigned long long)m.len);
	}
	kh_close(&k);
	return NULL;
}

int krace_walk(int argc, char **argv)
{
	unsigned int iters = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 200, it;
	double t0 = kh_now();
	pthread_t tw, tr;
	int st;

	target = spawn_target();
	running = 1;
	pthread_create(&tw, NULL, walker, NULL);
	pthread_create(&tr, NULL, reader, NULL);
	for (it = 1; it <= iters; it++) {
		struct kh_sess k;
		int err;

		if (it % 20 == 1)
			kh_progress("walk: iteration %u of %u (%llu walks)", it, iters, walks);
		if ((err = kh_open(&k)) ||
		    (err = kh_attach(&k, target, KMR_RING_SIZE_MIN << 2, 0)) ||
		    (err = kh_map(&k)))
			kh_die("iteration %u: session: %s", it, kh_errname(-err));
		kh_drain_start(&k);
		if ((err = kh_ioctl(&k, KMR_IOC_START, NULL)))
			kh_fail("iteration %u: START: %s", it, kh_errname(-err));
		kh_sleep_us((unsigned int)kh_below(5000));
		if ((err = kh_ioctl(&k, KMR_IOC_STOP, NULL)))
			kh_fail("iteration %u: STOP: %s", it, kh_errname(-err));
		kh_drain_stop(&k);
		kh_drain_once(&k);
		if (k.corrupt)
			kh_fail("iteration %u: %s", it, k.why);
		kh_close(&k);
		snaps++;
		if (waitpid(target, &st, WNOHANG) == target)
			kh_die("the churning target died (status %#x)", st);
		if (kh_failures > 20)
			kh_die("more than 20 failures; stopping");
	}
	running = 0;
	pthread_join(tw, NULL);
	pthread_join(tr, NULL);
	kh_reap(target);
	printf("krace walk: %llu snapshots, %llu WALKs (%llu on a present leaf), "
	       "%llu MEM reads (%llu ok), %.1f s; %d failures\n", snaps, walks,
	       walk_present, mems, mem_ok, kh_now() - t0, kh_failures);
	if (!walk_present || !mem_ok)
		kh_fail("the walkers never met a mapped page: the race did not happen");
	return kh_failures ? 1 : 0;
}
