// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check pfns: physical addresses only for a CAP_SYS_ADMIN opener.
 *
 * The same session twice: opened by root, then by a process that dropped to
 * uid 65534 (the device made world-accessible by the case) tracing its own
 * child.  The target writes pages, forks and copies-on-write (KMR_EV_COW,
 * and KMR_EV_PAGE_DATA hashes of the copies).  Root sees pfns in every
 * record and in KMR_IOC_WALK, matching pagemap; nobody sees 0 everywhere
 * (PTE entries, COW, PAGE_DATA, WALK's pfn, phys and the frame bits of its
 * raw entries), KMR_IOC_VERSION says KMR_FEAT_PFN_HIDDEN, and KMR_IOC_PAGE
 * answers EPERM.  Both models equal pagemap as that user reads it (pagemap
 * hides pfns from nobody too).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kwalk_check.h"
#include "kcore_target.h"

/* x86-64 PTE_PFN_MASK: the frame bits of an entry at any level. */
#define KW_FRAME_BITS	0x000ffffffffff000ull

struct kw_pfn_count {
	struct km_model m;
	uint64_t present, present_pfn;	/* PTE entries, those with a pfn */
	uint64_t cows, cow_pfn;		/* COW records, with a pfn */
	uint64_t pages, page_pfn;	/* PAGE_DATA records, with a pfn */
};

static void kw_count_rec(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	struct kw_pfn_count *c = priv;
	uint32_t i;

	switch (ev->kind) {
	case KMR_EV_PTE: {
		const struct kmr_ev_pte *e = (const void *)ev;

		for (i = 0; i < e->nr; i++) {
			if (!(KMR_PTE_FLAGS(e->entry[i]) & KMR_PTE_PRESENT))
				continue;
			c->present++;
			if (KMR_PTE_PFN(e->entry[i]))
				c->present_pfn++;
		}
		break;
	}
	case KMR_EV_COW: {
		const struct kmr_ev_cow *e = (const void *)ev;

		c->cows++;
		if (e->old_pfn || e->new_pfn)
			c->cow_pfn++;
		break;
	}
	case KMR_EV_PAGE_DATA: {
		const struct kmr_ev_page_data *e = (const void *)ev;

		c->pages++;
		if (e->pfn)
			c->page_pfn++;
		break;
	}
	}
	km_apply(ev, ring, &c->m);
}

/* One session as this user; 0 when everything is as @hidden says. */
static int kw_pfn_session(bool hidden, const char *who)
{
	struct kw_pfn_count c = { 0 };
	struct kmr_version v = { 0 };
	struct kt_stats_work work;
	struct kmr_walk w = { 0 };
	struct kmr_page pg = { 0 };
	struct kmr_attach a = { 0 };
	struct kt_target t;
	struct kc_sess k;
	uint64_t pm_pfn, pages, frames = 0;
	char buf[64];
	int r, page_err, bad = 0;
	long diffs;

	km_init(&c.m);
	kt_spawn(&t, 16, 0, KT_STATS);
	r = kc_open(&k);
	if (r)
		kc_die("%s: open: %s", who, strerror(-r));
	if (kc_ioctl(&k, KMR_IOC_VERSION, &v))
		kc_die("%s: VERSION failed", who);
	a.pid = t.pid;
	a.event_mask = KMR_MASK_ALL | KMR_MASK_PAGE_COW_HASH;
	r = kc_attach(&k, &a);
	if (!r)
		r = kc_map(&k);
	if (r)
		kc_die("%s: ATTACH/mmap: %s", who, strerror(-r));
	r = kc_start_draining(&k, kw_count_rec, &c);
	if (r)
		kc_die("%s: START: %s", who, strerror(-r));
	kill(t.pid, SIGUSR1);
	if (read(t.ready_fd, &work, sizeof(work)) != sizeof(work))
		kc_die("%s: the target's work failed", who);
	kt_stop(&t);
	if (kc_ioctl(&k, KMR_IOC_STOP, NULL) ||
	    kc_drain_final(&k, kw_count_rec, &c))
		kc_die("%s: STOP/drain failed", who);

	w.pid = t.pid;
	w.vaddr = work.a;
	if (kc_ioctl(&k, KMR_IOC_WALK, &w))
		kc_die("%s: WALK failed", who);
	for (r = 0; r < 5; r++)
		frames |= w.entry[r] & KW_FRAME_BITS;
	pm_pfn = kw_pagemap_pfn(t.pid, work.a);
	pg.vaddr = work.a;
	pg.pfn = w.pfn;
	pg.buf = (uintptr_t)buf;
	pg.len = sizeof(buf);
	page_err = -kc_ioctl(&k, KMR_IOC_PAGE, &pg);
	diffs = km_compare(&c.m, t.pid, 10, &pages);

	printf("pfns: %s: VERSION %s PFN_HIDDEN; %" PRIu64 " present entries, %" PRIu64 " with a pfn; %" PRIu64 " COW records, %" PRIu64 " with pfns; %" PRIu64 " PAGE_DATA, %" PRIu64 " with a pfn\n",
	       who, (v.features & KMR_FEAT_PFN_HIDDEN) ? "says" : "does not say",
	       c.present, c.present_pfn, c.cows, c.cow_pfn, c.pages,
	       c.page_pfn);
	printf("pfns: %s: WALK leaf %u pfn %#llx phys %#llx, frame bits in entries %#llx; pagemap pfn %#" PRIx64 "; PAGE: %s; model vs pagemap: %ld differences over %" PRIu64 " pages\n",
	       who, w.leaf, (unsigned long long)w.pfn,
	       (unsigned long long)w.phys, (unsigned long long)frames, pm_pfn,
	       page_err ? strerror(page_err) : "copied", diffs, pages);
	if (!c.present || !c.cows || !c.pages || !w.leaf)
		kc_die("%s: the workload produced too little", who);
	if (diffs)
		bad++;
	if (hidden) {
		bad += !(v.features & KMR_FEAT_PFN_HIDDEN);
		bad += c.present_pfn || c.cow_pfn || c.page_pfn;
		bad += w.pfn || w.phys || frames;
		bad += page_err != EPERM;
	} else {
		bad += !!(v.features & KMR_FEAT_PFN_HIDDEN);
		bad += c.present_pfn != c.present || c.cow_pfn != c.cows ||
		       c.page_pfn != c.pages;
		bad += !w.pfn || w.pfn != pm_pfn || !frames;
		bad += page_err != 0;
	}
	kc_close(&k);
	kt_kill(&t);
	km_free(&c.m);
	return bad;
}

/* pfns: root sees them, a process that dropped to nobody does not. */
int kw_pfns(int argc, char **argv)
{
	int bad, st;
	pid_t c;

	(void)argc;
	(void)argv;
	bad = kw_pfn_session(false, "root");
	if (bad)
		printf("pfns: root: FAIL (%d checks)\n", bad);
	c = fork();
	if (!c) {
		if (setgroups(0, NULL) || setgid(65534) || setuid(65534))
			kc_die("cannot become nobody: %s", strerror(errno));
		prctl(PR_SET_DUMPABLE, 1);
		_exit(kw_pfn_session(true, "uid 65534") ? 1 : 0);
	}
	if (waitpid(c, &st, 0) != c || !WIFEXITED(st) || WEXITSTATUS(st)) {
		printf("pfns: uid 65534: FAIL (status %#x)\n", st);
		bad++;
	}
	if (bad)
		kc_die("physical addresses shown or hidden against the opener's privilege");
	return 0;
}

/* as-uid UID CMD...: run CMD as UID:UID with no groups. */
int kw_as_uid(int argc, char **argv)
{
	uid_t u;

	if (argc < 2)
		kc_die("usage: as-uid UID CMD...");
	u = (uid_t)atoi(argv[0]);
	if (setgroups(0, NULL) || setgid(u) || setuid(u))
		kc_die("cannot become uid %u: %s", u, strerror(errno));
	execvp(argv[1], argv + 1);
	kc_die("exec %s: %s", argv[1], strerror(errno));
}
