// SPDX-License-Identifier: GPL-2.0
/* kcore_check: session life cycle (exit, two sessions, attach cycles). */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_check.h"
#include "kcore_target.h"

static short kc_poll(struct kc_sess *k, int timeout_ms)
{
	struct pollfd p = { .fd = k->fd, .events = POLLIN };

	if (poll(&p, 1, timeout_ms) < 0)
		kc_die("poll: %s", strerror(errno));
	return p.revents;
}

/* exit: the target exits -> EXIT record (wait status), then POLLHUP. */
int check_exit(int argc, char **argv)
{
	struct kmr_stats st = { 0 };
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	short ev;
	int status, r;

	(void)argc;
	(void)argv;
	kt_spawn(&t, 8, 0, KT_EXIT);
	kc_session(&k, t.pid, 0, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	if (kc_drain(&k, km_apply, &m) < 0)
		kc_die("malformed ring");
	ev = kc_poll(&k, 0);
	if (ev & POLLHUP)
		kc_die("POLLHUP while the target lives (revents %#x)", ev);
	kill(t.pid, SIGUSR1);
	status = kt_wait(&t);
	/* The EXIT record is pending: readable, not yet hung up. */
	ev = kc_poll(&k, 5000);
	if (!(ev & POLLIN) || (ev & POLLHUP))
		kc_die("after exit, before draining: revents %#x, want POLLIN only", ev);
	if (kc_drain_final(&k, km_apply, &m))
		kc_die("stream not whole after exit");
	ev = kc_poll(&k, 1000);
	printf("exit: status %#x, EXIT code %#x flags %#x, revents after drain %#x, state %#x, %" PRIu64 " records\n",
	       status, m.exit_code, m.exit_flags, ev, k.ctl->state, k.delivered);
	if (m.exits != 1 || m.exit_code != status || m.exit_flags)
		kc_die("expected one EXIT with code %#x", status);
	if (ev != POLLHUP)
		kc_die("after drain: revents %#x, want POLLHUP", ev);
	if (!(k.ctl->state & KMR_STATE_EXITED) || k.ctl->last_seq != k.last)
		kc_die("state %#x last_seq %" PRIu64 " last read %" PRIu64,
		       k.ctl->state, (uint64_t)k.ctl->last_seq, k.last);
	r = kc_ioctl(&k, KMR_IOC_STATS, &st);
	if (r || st.vma_count)
		kc_die("STATS after exit: %d, %u VMAs", r, st.vma_count);
	/* The EXIT record was the last one: nothing may follow it. */
	if (m.kinds[KMR_EV_EXIT] != 1 || kc_drain(&k, km_apply, &m))
		kc_die("records after EXIT");
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r != -EINVAL && r)
		kc_die("STOP after exit: %s", strerror(-r));
	kc_close(&k);
	km_free(&m);
	return 0;
}

/* two: two sessions on one target and one on another, all at once. */
int check_two(int argc, char **argv)
{
	struct kt_target a, b;
	struct kc_sess k[3];
	struct km_model m[3];
	uint64_t pages, end;
	int pid[3], i, r;
	long d;

	(void)argc;
	(void)argv;
	kt_spawn(&a, 32, KT_RICH, KT_TOUCH);
	kt_spawn(&b, 48, 0, KT_PAUSE);
	pid[0] = a.pid;
	pid[1] = a.pid;
	pid[2] = b.pid;
	for (i = 0; i < 3; i++) {
		kc_session(&k[i], pid[i], 0, 0);
		km_init(&m[i]);
		r = kc_start_draining(&k[i], km_apply, &m[i]);
		if (r)
			kc_die("START %d: %s", i, strerror(-r));
	}
	/* a faults for a while; all three are read. */
	kill(a.pid, SIGUSR1);
	end = kc_now() + 500000000ull;
	while (kc_now() < end)
		for (i = 0; i < 3; i++)
			if (kc_drain(&k[i], km_apply, &m[i]) < 0)
				kc_die("malformed ring %d", i);
	kt_stop(&a);
	kt_stop(&b);
	for (i = 0; i < 3; i++) {
		r = kc_ioctl(&k[i], KMR_IOC_STOP, NULL);
		if (r || kc_drain_final(&k[i], km_apply, &m[i]))
			kc_die("STOP/drain %d failed", i);
		if (m[i].kinds[KMR_EV_LOST])
			kc_die("session %d lost records", i);
		d = km_compare(&m[i], pid[i], 20, &pages);
		printf("two: session %d on %d: %" PRIu64 " records, %" PRIu64 " faults, %" PRIu64 " present pages, %ld differences\n",
		       i, pid[i], k[i].delivered, m[i].kinds[KMR_EV_FAULT],
		       pages, d);
		if (d)
			kc_die("session %d differs from its target", i);
	}
	if (!m[0].kinds[KMR_EV_FAULT] ||
	    m[0].kinds[KMR_EV_FAULT] != m[1].kinds[KMR_EV_FAULT])
		kc_die("the two sessions on one target saw %" PRIu64 " and %" PRIu64 " faults",
		       m[0].kinds[KMR_EV_FAULT], m[1].kinds[KMR_EV_FAULT]);
	for (i = 0; i < 3; i++) {
		kc_close(&k[i]);
		km_free(&m[i]);
	}
	kt_kill(&a);
	kt_kill(&b);
	return 0;
}

/*
 * rate [seconds]: one session on a target that faults without pause, read
 * continuously: records/s and faults/s sustained, then the model must equal
 * the stopped target exactly (8 MiB rings: nothing may be lost).
 */
int check_rate(int argc, char **argv)
{
	double secs = argc > 0 ? atof(argv[0]) : 2.0;
	struct kmr_stats st = { 0 };
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	uint64_t t0, t1, n0, pages;
	long d;
	int r;

	kt_spawn(&t, 16, 0, KT_TOUCH);
	kc_session(&k, t.pid, 0, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	n0 = k.delivered;
	kill(t.pid, SIGUSR1);
	t0 = kc_now();
	do {
		if (kc_drain(&k, km_apply, &m) < 0)
			kc_die("malformed ring");
		t1 = kc_now();
	} while (t1 - t0 < secs * 1e9);
	kt_stop(&t);
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r || kc_drain_final(&k, km_apply, &m))
		kc_die("STOP/drain failed");
	if (kc_ioctl(&k, KMR_IOC_STATS, &st))
		kc_die("STATS failed");
	d = km_compare(&m, t.pid, 20, &pages);
	printf("rate: %.0f records/s (%" PRIu64 " in %.2f s; %" PRIu64 " FAULT, %" PRIu64 " PTE, %" PRIu64 " PTE_UNMAP, %" PRIu64 " VMA), %.0f faults/s by STATS, lost %" PRIu64 ", %ld differences after\n",
	       (k.delivered - n0) / ((t1 - t0) / 1e9), k.delivered - n0,
	       (t1 - t0) / 1e9, m.kinds[KMR_EV_FAULT], m.kinds[KMR_EV_PTE],
	       m.kinds[KMR_EV_PTE_UNMAP], m.kinds[KMR_EV_VMA],
	       st.faults / ((t1 - t0) / 1e9), (uint64_t)st.lost, d);
	if (st.lost || m.kinds[KMR_EV_LOST])
		kc_die("records lost with 8 MiB rings and a reader");
	if (st.faults != m.kinds[KMR_EV_FAULT])
		kc_die("STATS counts %" PRIu64 " faults, %" PRIu64 " FAULT records",
		       (uint64_t)st.faults, m.kinds[KMR_EV_FAULT]);
	if (d)
		kc_die("model differs from the target in %ld places", d);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	return 0;
}

static long kc_meminfo(const char *key)
{
	char line[256];
	size_t n = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		kc_die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ':')
			v = strtol(line + n + 1, NULL, 10);
	fclose(f);
	return v;
}

/*
 * cycles [n]: n x (open, attach, map, start, stop, detach, close), in three
 * variants of ending; vmalloc and slab memory must come back.
 */
int check_cycles(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 100, i, r;
	long vm0, sl0, vm1, sl1;
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;

	kt_spawn(&t, 16, 0, KT_PAUSE);
	vm0 = kc_meminfo("VmallocUsed");
	sl0 = kc_meminfo("Slab");
	for (i = 0; i < n; i++) {
		kc_session(&k, t.pid, KMR_RING_SIZE_MIN << (i % 4), 0);
		km_init(&m);
		r = kc_start_draining(&k, km_apply, &m);
		if (r)
			kc_die("cycle %d: START: %s", i, strerror(-r));
		switch (i % 3) {
		case 0:		/* orderly */
			if (kc_ioctl(&k, KMR_IOC_STOP, NULL) ||
			    kc_drain_final(&k, km_apply, &m) ||
			    kc_ioctl(&k, KMR_IOC_DETACH, NULL))
				kc_die("cycle %d: stop/detach failed", i);
			break;
		case 1:		/* detach while started and mapped */
			if (kc_ioctl(&k, KMR_IOC_DETACH, NULL))
				kc_die("cycle %d: detach failed", i);
			break;
		default:	/* just close, rings still mapped until unmap */
			break;
		}
		kc_close(&k);
		km_free(&m);
	}
	kt_kill(&t);
	usleep(500 * 1000);	/* deferred frees run on a workqueue */
	vm1 = kc_meminfo("VmallocUsed");
	sl1 = kc_meminfo("Slab");
	printf("cycles: %d attach/detach cycles; VmallocUsed %ld -> %ld kB, Slab %ld -> %ld kB\n",
	       n, vm0, vm1, sl0, sl1);
	if (vm1 - vm0 > 1024)
		kc_die("vmalloc grew by %ld kB over %d cycles", vm1 - vm0, n);
	if (sl1 - sl0 > 2048)
		kc_die("slab grew by %ld kB over %d cycles", sl1 - sl0, n);
	return 0;
}

static const struct kmr_vma_stat *kc_vstat_at(const struct kmr_vma_stat *v,
					      uint32_t n, uint64_t addr)
{
	uint32_t i;

	for (i = 0; i < n; i++)
		if (addr >= v[i].start && addr < v[i].end)
			return &v[i];
	kc_die("STATS has no VMA containing %#" PRIx64, addr);
}

/*
 * stats: per-VMA fault/write/CoW counts of a known workload, the totals,
 * and vma_cap/vma_count semantics.
 */
int check_stats(int argc, char **argv)
{
	struct kmr_vma_stat v[256];
	const struct kmr_vma_stat *va, *vb;
	struct kmr_stats st;
	struct kt_stats_work w;
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	uint32_t all;
	int r;

	(void)argc;
	(void)argv;
	kt_spawn(&t, 8, 0, KT_STATS);
	kc_session(&k, t.pid, 0, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	kill(t.pid, SIGUSR1);
	if (read(t.ready_fd, &w, sizeof(w)) != sizeof(w))
		kc_die("stats target died");
	if (kc_drain(&k, km_apply, &m) < 0)
		kc_die("malformed ring");

	memset(&st, 0, sizeof(st));
	st.vma_buf = (uintptr_t)v;
	st.vma_cap = 256;
	r = kc_ioctl(&k, KMR_IOC_STATS, &st);
	if (r || st.vma_count > 256)
		kc_die("STATS: %s, %u VMAs", strerror(-r), st.vma_count);
	all = st.vma_count;
	va = kc_vstat_at(v, all, w.a);
	vb = kc_vstat_at(v, all, w.b);
	printf("stats: %u VMAs; a: %llu faults %llu write %llu major %llu cow; b: %llu faults %llu write %llu cow; total %llu faults %llu cow %llu events %llu lost\n",
	       all, (unsigned long long)va->faults,
	       (unsigned long long)va->write_faults,
	       (unsigned long long)va->major_faults,
	       (unsigned long long)va->cow, (unsigned long long)vb->faults,
	       (unsigned long long)vb->write_faults,
	       (unsigned long long)vb->cow, (unsigned long long)st.faults,
	       (unsigned long long)st.cow, (unsigned long long)st.events,
	       (unsigned long long)st.lost);
	if (va->faults != 80 || va->write_faults != 80 || va->cow != 16 ||
	    va->major_faults)
		kc_die("region a: want 80 faults, 80 writes, 16 CoW, 0 major");
	if (vb->faults != 32 || vb->write_faults || vb->cow)
		kc_die("region b: want 32 read faults, no write, no CoW");
	if (st.faults < 112 || st.cow < 16 || st.lost)
		kc_die("totals: want >= 112 faults, >= 16 CoW, no loss");
	if (st.faults != m.kinds[KMR_EV_FAULT] || st.cow != m.kinds[KMR_EV_COW])
		kc_die("totals %llu faults %llu CoW, records %" PRIu64 " / %" PRIu64,
		       (unsigned long long)st.faults,
		       (unsigned long long)st.cow, m.kinds[KMR_EV_FAULT],
		       m.kinds[KMR_EV_COW]);
	/* vma_cap smaller than the count: only cap entries, count is all. */
	memset(v, 0xa5, sizeof(v));
	memset(&st, 0, sizeof(st));
	st.vma_buf = (uintptr_t)v;
	st.vma_cap = 2;
	r = kc_ioctl(&k, KMR_IOC_STATS, &st);
	if (r || st.vma_count != all || v[2].start != 0xa5a5a5a5a5a5a5a5ull ||
	    v[0].end <= v[0].start)
		kc_die("STATS with vma_cap 2: %d, count %u (want %u)", r,
		       st.vma_count, all);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	return 0;
}
