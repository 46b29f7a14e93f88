// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check frozen / vmas: snapshots bigger than the rings.
 *
 * frozen [frozen|garbage]: START of a target whose snapshot needs four
 * times the 64 KiB rings, while the consumer never moves its tail (frozen)
 * or writes garbage into it every millisecond (past head, ~0, backwards,
 * head itself).  Meanwhile the target maps and unmaps memory in a loop and
 * times each call: the snapshot may wait for the consumer, but never while
 * it holds the target's mmap_lock, so no call may take long.
 *
 * vmas [n]: a target with n VMAs (more than a 64 KiB ring holds records
 * for) is snapshotted through 64 KiB rings with a reader draining; the
 * VMA windows the snapshot is cut into must rebuild maps exactly.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kwalk_check.h"
#include "kcore_target.h"

struct kw_lat {
	volatile int go, stop;
	volatile uint64_t ops, max_ns, last_ns;
};

static void __attribute__((noreturn))
kw_lat_target(struct kw_lat *lt, unsigned long pages, int ready)
{
	volatile char *p = mmap(NULL, pages * KW_PAGE, PROT_READ | PROT_WRITE,
				MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	unsigned long i;

	if (p == MAP_FAILED)
		kc_die("target mmap: %s", strerror(errno));
	madvise((void *)p, pages * KW_PAGE, MADV_NOHUGEPAGE);
	for (i = 0; i < pages; i++)
		p[i * KW_PAGE] = 1;
	if (write(ready, "r", 1) != 1)
		_exit(2);
	while (!lt->go)
		usleep(1000);
	while (!lt->stop) {
		uint64_t t0 = kc_now(), dt;
		volatile char *q = mmap(NULL, 16 * KW_PAGE,
					PROT_READ | PROT_WRITE,
					MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (q == MAP_FAILED)
			kc_die("target mmap: %s", strerror(errno));
		for (i = 0; i < 16; i++)
			q[i * KW_PAGE] = 1;
		munmap((void *)q, 16 * KW_PAGE);
		dt = kc_now() - t0;
		if (dt > lt->max_ns)
			lt->max_ns = dt;
		lt->last_ns = dt;
		lt->ops++;
	}
	_exit(0);
}

struct kw_mangler {
	struct kc_sess *k;
	volatile int stop;
	uint64_t writes;
};

/* Garbage tails, a different kind every millisecond. */
static void *kw_mangle_fn(void *arg)
{
	struct kw_mangler *mg = arg;
	struct kmr_ctl *ctl = mg->k->ctl;
	uint64_t n = 0;

	while (!mg->stop) {
		uint32_t i;

		for (i = 0; i < ctl->nr_rings; i++) {
			uint64_t head = __atomic_load_n(&ctl->ring[i].head,
							__ATOMIC_ACQUIRE);
			uint64_t v;

			switch (n % 4) {
			case 0:
				v = head + 4096;		/* past head */
				break;
			case 1:
				v = ~0ull;
				break;
			case 2:
				v = head - 4 * ctl->ring_size;	/* backwards */
				break;
			default:
				v = head;			/* "all read" */
				break;
			}
			__atomic_store_n(&ctl->ring[i].tail, v,
					 __ATOMIC_RELEASE);
		}
		n++;
		mg->writes++;
		usleep(1000);
	}
	return NULL;
}

struct kw_starter {
	struct kc_sess *k;
	int ret;
	volatile int done;
};

static void *kw_start_fn(void *arg)
{
	struct kw_starter *st = arg;

	st->ret = kc_ioctl(st->k, KMR_IOC_START, NULL);
	st->done = 1;
	return NULL;
}

/* frozen [frozen|garbage] [pages] */
int kw_frozen(int argc, char **argv)
{
	const char *mode = argc > 0 ? argv[0] : "frozen";
	unsigned long pages = argc > 1 ? strtoul(argv[1], NULL, 0) : 16384;
	bool garbage = !strcmp(mode, "garbage");
	struct kw_mangler mg = { 0 };
	struct kw_starter st = { 0 };
	struct kc_sess k;
	struct kw_lat *lt;
	uint64_t t0, lost = 0, ops0;
	double start_ms, max_ms;
	pthread_t ts, tm;
	int rp[2], status;
	uint32_t i;
	pid_t pid;
	char c;

	lt = mmap(NULL, sizeof(*lt), PROT_READ | PROT_WRITE,
		  MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (lt == MAP_FAILED || pipe(rp))
		kc_die("setup: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		close(rp[0]);
		kw_lat_target(lt, pages, rp[1]);
	}
	close(rp[1]);
	if (read(rp[0], &c, 1) != 1)
		kc_die("target died before it was ready");

	kc_session(&k, pid, KMR_RING_SIZE_MIN, 0);
	lt->go = 1;
	while (lt->ops < 10)
		usleep(1000);
	ops0 = lt->ops;
	lt->max_ns = 0;
	if (garbage) {
		mg.k = &k;
		if (pthread_create(&tm, NULL, kw_mangle_fn, &mg))
			kc_die("pthread_create");
	}
	st.k = &k;
	t0 = kc_now();
	if (pthread_create(&ts, NULL, kw_start_fn, &st))
		kc_die("pthread_create");
	/* The target keeps going while START waits for a reader that won't. */
	while (!st.done && kw_ms_since(t0) < 60000)
		usleep(10000);
	start_ms = kw_ms_since(t0);
	max_ms = lt->max_ns / 1e6;
	lt->stop = 1;
	if (!st.done) {
		/* STOP makes a waiting START give up (abi.h). */
		kc_ioctl(&k, KMR_IOC_STOP, NULL);
	}
	pthread_join(ts, NULL);
	if (garbage) {
		mg.stop = 1;
		pthread_join(tm, NULL);
	}
	waitpid(pid, &status, 0);
	for (i = 0; i < k.at.nr_rings; i++)
		lost += k.ctl->ring[i].lost;
	printf("frozen (%s tail%s): START returned %s after %.0f ms; the target made %" PRIu64 " mmap+munmap calls meanwhile, the slowest took %.1f ms; %" PRIu64 " records dropped\n",
	       mode, garbage ? ", changed every ms" : "",
	       st.ret ? strerror(-st.ret) : "0", start_ms, lt->ops - ops0,
	       max_ms, lost);
	kc_close(&k);
	if (lt->ops - ops0 < 10)
		kc_die("the target hardly ran during START");
	if (max_ms > 2000)
		kc_die("the target's mmap/munmap blocked %.0f ms while START waited for the consumer",
		       max_ms);
	if (!garbage && start_ms < 5000)
		kc_die("START did not wait for the frozen consumer (%.0f ms)",
		       start_ms);
	return 0;
}

/* vmas [n]: n VMAs through 64 KiB rings, drained, equal maps. */
int kw_vmas(int argc, char **argv)
{
	unsigned long n = argc > 0 ? strtoul(argv[0], NULL, 0) : 3000, i;
	struct kc_sess k;
	struct km_model m;
	uint64_t pages, windows;
	int rp[2], r;
	long diffs;
	pid_t pid;
	char c;

	if (pipe(rp))
		kc_die("pipe: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		char *p = mmap(NULL, 2 * n * KW_PAGE, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (p == MAP_FAILED)
			_exit(2);
		/* Alternate protections: no two neighbours merge. */
		for (i = 0; i < 2 * n; i += 2) {
			p[i * KW_PAGE] = 1;
			mprotect(p + (i + 1) * KW_PAGE, KW_PAGE, PROT_READ);
		}
		if (write(rp[1], "r", 1) != 1)
			_exit(2);
		for (;;)
			pause();
	}
	close(rp[1]);
	if (read(rp[0], &c, 1) != 1)
		kc_die("target died before it was ready");
	kill(pid, SIGSTOP);
	waitpid(pid, NULL, WUNTRACED);
	kc_session(&k, pid, KMR_RING_SIZE_MIN, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	if (kc_ioctl(&k, KMR_IOC_STOP, NULL) || kc_drain_final(&k, km_apply, &m))
		kc_die("STOP/drain failed");
	windows = m.kinds[KMR_EV_VMA_SYNC];
	diffs = km_compare(&m, pid, 30, &pages);
	printf("vmas: %" PRIu64 " VMAs in %" PRIu64 " windows through %llu-byte rings, %" PRIu64 " present pages, %" PRIu64 " LOST, %ld differences\n",
	       m.end_vmas, windows, (unsigned long long)k.ctl->ring_size,
	       pages, m.kinds[KMR_EV_LOST], diffs);
	if (m.kinds[KMR_EV_LOST])
		kc_die("records were lost with a draining reader");
	if (m.snap_vmas != m.end_vmas || m.end_vmas < 2 * n)
		kc_die("snapshot END says %" PRIu64 " VMAs, %" PRIu64 " records, want >= %lu",
		       m.end_vmas, m.snap_vmas, 2 * n);
	if (diffs)
		kc_die("snapshot differs from maps/pagemap in %ld places", diffs);
	kc_close(&k);
	km_free(&m);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	return 0;
}
