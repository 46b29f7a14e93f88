// SPDX-License-Identifier: GPL-2.0
/*
 * khostile ctl [ROUNDS [--progress]]: a recorder whose control page lies.
 *
 * The target touches every other page of 64 MiB (8192 pages that no PTE
 * record can batch: a START snapshot of ~400 KiB against 64 KiB rings, so
 * START must wait for the consumer again and again) and then maps and
 * unmaps a page in a loop, counting.  Each round attaches, maps the control
 * area and, while START runs, a thread rewrites every ring's tail every
 * millisecond: past head, ~0, backwards, misaligned, random, and now and
 * then the honest head (so START can finish).  abi.h: "The kernel treats
 * @tail as untrusted: a tail beyond head or more than ring_size behind
 * head is clamped, never followed", and START's wait "gives up ... after
 * 10 s without consumer progress".
 *
 * Checked each round: START returns (an alarm interrupts it at 60 s x
 * KMR_TIME_SCALE: that is a FAIL), STOP then works, the state says
 * STOPPED, poll says HUP once the rings are honestly drained, STATS is
 * sane.
 *
 * With --progress the recorder instead never consumes at all (no tail is
 * ever written), so START waits until it gives up (10 s without progress),
 * and the target must never stall for more than 3 s x KMR_TIME_SCALE
 * meanwhile (issue 9 finding 10: the snapshot waits for ring space holding
 * the target's mmap_lock, so such a recorder blocks the target's
 * mmap/munmap for as long as START waits).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "khostile.h"

#define TARGET_PAGES	16384	/* every other one touched */

struct shared {
	volatile uint64_t progress;
};

static struct shared *sh;
static struct kh_sess k;
static volatile int flipping, in_start;
static volatile double max_stall;
static unsigned long long flips[8];

static pid_t spawn_target(void)
{
	pid_t pid = fork();

	if (pid < 0)
		kh_die("fork: %s", strerror(errno));
	if (!pid) {
		char *m = mmap(NULL, TARGET_PAGES * 4096UL, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned long i;

		if (m == MAP_FAILED)
			_exit(3);
		/* 4 KiB pages: a THP would make the snapshot one record */
		madvise(m, TARGET_PAGES * 4096UL, MADV_NOHUGEPAGE);
		for (i = 0; i < TARGET_PAGES; i += 2)
			m[i * 4096] = 1;
		for (;;) {
			char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

			if (p == MAP_FAILED)
				_exit(4);
			*p = 1;
			munmap(p, 4096);
			__atomic_add_fetch(&sh->progress, 1, __ATOMIC_RELAXED);
		}
	}
	/* ready once it counts */
	while (!__atomic_load_n(&sh->progress, __ATOMIC_RELAXED))
		kh_sleep_us(1000);
	return pid;
}

static uint64_t bogus_tail(uint64_t head, uint64_t size, unsigned int *mode)
{
	*mode = (unsigned int)kh_below(8);
	switch (*mode) {
	case 0: return head + size * (1 + kh_below(3));	/* past head */
	case 1: return ~0ULL;
	case 2: return head > 2 * size ? head - 2 * size - 8 * kh_below(64) : 0; /* backwards */
	case 3: return head > 3 ? head - 3 : 5;			/* misaligned */
	case 4: return kh_rand();
	case 5: return 0;
	default: return head;					/* honest */
	}
}

static bool silent;	/* --progress: a recorder that never consumes */

static void *flipper(void *arg)
{
	(void)arg;
	kh_seed((uint64_t)getpid() * 7919);
	while (flipping && silent)
		kh_sleep_us(1000);
	while (flipping) {
		unsigned int i, mode;

		for (i = 0; i < k.ctl->nr_rings; i++) {
			struct kmr_ring_ctl *rc = &k.ctl->ring[i];
			uint64_t head = __atomic_load_n(&rc->head, __ATOMIC_ACQUIRE);

			__atomic_store_n(&rc->tail, bogus_tail(head, k.ctl->ring_size, &mode),
					 __ATOMIC_RELEASE);
			flips[mode]++;
		}
		kh_sleep_us(1000);
	}
	return NULL;
}

static void *monitor(void *arg)
{
	uint64_t last = 0;
	double since = kh_now();

	(void)arg;
	while (flipping) {
		uint64_t now = __atomic_load_n(&sh->progress, __ATOMIC_RELAXED);
		double t = kh_now();

		if (now != last || !in_start) {
			last = now;
			since = t;
		} else if (t - since > max_stall) {
			max_stall = t - since;
		}
		kh_sleep_us(10000);
	}
	return NULL;
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void honest_drain(void)
{
	unsigned int i;

	for (i = 0; i < k.ctl->nr_rings; i++)
		__atomic_store_n(&k.ctl->ring[i].tail,
				 __atomic_load_n(&k.ctl->ring[i].head, __ATOMIC_ACQUIRE),
				 __ATOMIC_RELEASE);
}

static void round_once(pid_t target, unsigned int r, bool progress)
{
	double limit = kh_scaled(60), stall_limit = kh_scaled(3), t0, dt;
	struct pollfd pfd;
	struct kmr_stats st;
	pthread_t tf, tm;
	int err, i;

	if ((err = kh_open(&k)) || (err = kh_attach(&k, target, KMR_RING_SIZE_MIN, 0)) ||
	    (err = kh_map(&k)))
		kh_die("round %u: session setup: %s", r, kh_errname(-err));
	max_stall = 0;
	flipping = 1;
	pthread_create(&tf, NULL, flipper, NULL);
	pthread_create(&tm, NULL, monitor, NULL);
	alarm((unsigned int)limit);
	t0 = kh_now();
	in_start = 1;
	err = kh_ioctl(&k, KMR_IOC_START, NULL);
	in_start = 0;
	dt = kh_now() - t0;
	alarm(0);
	flipping = 0;
	pthread_join(tf, NULL);
	pthread_join(tm, NULL);
	if (err == -EINTR && dt >= limit - 1)
		kh_fail("round %u: START did not return within %.0f s while the tails lied", r, limit);
	else if (err)
		kh_fail("round %u: START: %s after %.1f s", r, kh_errname(-err), dt);
	if (progress && max_stall > stall_limit)
		kh_fail("round %u: the target made no progress for %.1f s while START ran "
			"(%.1f s): START holds its mmap_lock waiting for the recorder",
			r, max_stall, dt);
	printf("round %u: START %s in %.2f s, target's longest stall %.2f s\n", r,
	       kh_errname(-err), dt, max_stall);

	honest_drain();
	if ((err = kh_ioctl(&k, KMR_IOC_STOP, NULL)))
		kh_fail("round %u: STOP: %s", r, kh_errname(-err));
	if (!(k.ctl->state & KMR_STATE_STOPPED))
		kh_fail("round %u: state %#x after STOP", r, k.ctl->state);
	/* Honest from now on: HUP once drained. */
	for (i = 0; i < 1000; i++) {
		honest_drain();
		pfd.fd = k.fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, 10) == 1 && (pfd.revents & POLLHUP))
			break;
	}
	if (i == 1000)
		kh_fail("round %u: no POLLHUP after STOP and an honest drain", r);
	memset(&st, 0, sizeof(st));
	if ((err = kh_ioctl(&k, KMR_IOC_STATS, &st)))
		kh_fail("round %u: STATS: %s", r, kh_errname(-err));
	else if (!st.events)
		kh_fail("round %u: STATS says no events were written", r);
	if ((err = kh_ioctl(&k, KMR_IOC_DETACH, NULL)))
		kh_fail("round %u: DETACH: %s", r, kh_errname(-err));
	kh_close(&k);
}

int khostile_ctl(int argc, char **argv)
{
	unsigned int rounds = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 10, r;
	bool progress = argc > 1 && !strcmp(argv[1], "--progress");

	silent = progress;
	struct sigaction sa;
	pid_t target;
	int st;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_alarm;	/* no SA_RESTART: START returns EINTR */
	sigaction(SIGALRM, &sa, NULL);
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		kh_die("mmap: %s", strerror(errno));
	target = spawn_target();
	for (r = 1; r <= rounds; r++) {
		kh_progress("ctl: round %u of %u", r, rounds);
		round_once(target, r, progress);
		if (waitpid(target, &st, WNOHANG) == target)
			kh_die("the target died (status %#x)", st);
	}
	kh_reap(target);
	printf("khostile ctl: %u rounds%s; tails written: past-head %llu, ~0 %llu, "
	       "backwards %llu, misaligned %llu, random %llu, zero %llu, honest %llu; "
	       "%d failures\n", rounds, silent ? " (silent recorder)" : "", flips[0], flips[1], flips[2], flips[3], flips[4],
	       flips[5], flips[6] + flips[7], kh_failures);
	return kh_failures ? 1 : 0;
}
