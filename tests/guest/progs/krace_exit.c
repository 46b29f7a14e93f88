// SPDX-License-Identifier: GPL-2.0
/*
 * krace exit ITER: the target's exit races DETACH, STOP and close() of two
 * sessions, while its pages are paged out (MADV_PAGEOUT; the case turns on
 * zram swap) and migrated (a thread writes /proc/sys/vm/compact_memory).
 *
 * Each iteration: a target touches 2 MiB and then pages out and faults
 * back random chunks of it; two sessions attach and START; three threads
 * released together each wait a random 0-2 ms and then do one thing: the
 * target exits (SIGKILL, or its own exit() at that instant), session 1
 * does DETACH, STOP or close(), session 2 likewise.  Sessions that will be
 * DETACHed or STOPped are mapped and drained throughout; one that will be
 * closed is never mapped, so close() is its last reference.
 *
 * Checked: every call answers an error abi.h allows; a drained ring never
 * holds a malformed record and at most one EXIT; the state bits end up
 * STOPPED/EXITED as the call says; nothing hangs (the case's time limit).
 * The harness adds the kernel's verdict: this is finding 1 of issue 9
 * (teardown vs target exit: NULL s->mm on another CPU) when it oopses.
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

#define TPAGES 512

enum op { OP_DETACH, OP_STOP, OP_CLOSE, OP_NR };
static const char *const op_name[OP_NR] = { "DETACH", "STOP", "close" };

struct shared {
	volatile int go;
	volatile int self_exit;		/* target: exit() when go is set */
	volatile uint64_t faults;
};

static struct shared *sh;
static struct kh_sess sess[2];
static enum op ops[2];
static int op_err[2];
static pid_t target;
static volatile int go;
static unsigned int delay_us[3];
static unsigned long long tally[OP_NR][2];

static pid_t spawn_target(void)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		kh_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		kh_die("fork: %s", strerror(errno));
	if (!pid) {
		char *m = mmap(NULL, TPAGES * 4096UL, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		unsigned int i;

		if (m == MAP_FAILED)
			_exit(3);
		/* half the targets in 4 KiB pages, half as they come (THP) */
		if (getpid() & 1)
			madvise(m, TPAGES * 4096UL, MADV_NOHUGEPAGE);
		for (i = 0; i < TPAGES; i++)
			m[i * 4096UL] = (char)i;
		kh_seed((uint64_t)getpid());
		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		for (;;) {
			unsigned long off = kh_below(TPAGES / 64) * 64 * 4096UL;

			if (sh->go && sh->self_exit)
				_exit(5);
			madvise(m + off, 64 * 4096UL, MADV_PAGEOUT);
			for (i = 0; i < 64; i += 1 + (unsigned int)kh_below(8))
				m[off + i * 4096UL]++;
			sh->faults++;
		}
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		kh_die("target %d died before it was ready", pid);
	close(p[0]);
	return pid;
}

static void spin_until_go(void)
{
	while (!go)
		__builtin_ia32_pause();
}

static void *racer(void *arg)
{
	long who = (long)arg;	/* 0: the target's exit, 1, 2: sessions */

	spin_until_go();
	kh_sleep_us(delay_us[who]);
	if (who == 0) {
		if (sh->self_exit)
			sh->go = 1;
		else
			kill(target, SIGKILL);
		return NULL;
	}
	switch (ops[who - 1]) {
	case OP_DETACH:
		op_err[who - 1] = kh_ioctl(&sess[who - 1], KMR_IOC_DETACH, NULL);
		break;
	case OP_STOP:
		op_err[who - 1] = kh_ioctl(&sess[who - 1], KMR_IOC_STOP, NULL);
		break;
	default:
		op_err[who - 1] = close(sess[who - 1].fd) ? -errno : 0;
		sess[who - 1].fd = -1;
		break;
	}
	return NULL;
}

static void one(unsigned int it)
{
	pthread_t t[3];
	int i, err, st;

	sh->go = 0;
	sh->self_exit = !kh_below(2);
	target = spawn_target();
	for (i = 0; i < 2; i++) {
		ops[i] = (enum op)kh_below(OP_NR);
		if ((err = kh_open(&sess[i])) ||
		    (err = kh_attach(&sess[i], target, KMR_RING_SIZE_MIN, 0)))
			kh_die("iteration %u: session %d: %s", it, i, kh_errname(-err));
		sess[i].nopoll = true;
		if (ops[i] != OP_CLOSE) {
			if ((err = kh_map(&sess[i])))
				kh_die("iteration %u: mmap: %s", it, kh_errname(-err));
			kh_drain_start(&sess[i]);
		}
		err = kh_ioctl(&sess[i], KMR_IOC_START, NULL);
		if (err)
			kh_fail("iteration %u: START %d: %s", it, i, kh_errname(-err));
	}
	for (i = 0; i < 3; i++)
		delay_us[i] = (unsigned int)kh_below(2000);
	go = 0;
	for (i = 0; i < 3; i++)
		pthread_create(&t[i], NULL, racer, (void *)(long)i);
	go = 1;
	for (i = 0; i < 3; i++)
		pthread_join(t[i], NULL);

	if (waitpid(target, &st, 0) != target)
		kh_die("waitpid: %s", strerror(errno));
	if (!(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) &&
	    !(WIFEXITED(st) && WEXITSTATUS(st) == 5))
		kh_fail("iteration %u: the target ended with status %#x", it, st);

	for (i = 0; i < 2; i++) {
		struct kh_sess *k = &sess[i];

		tally[ops[i]][op_err[i] != 0]++;
		if (op_err[i] && !kh_errno_allowed(ops[i] == OP_DETACH ? KH_DETACH : KH_STOP,
						   -op_err[i]))
			kh_fail("iteration %u: %s: %s", it, op_name[ops[i]],
				kh_errname(-op_err[i]));
		if (ops[i] == OP_CLOSE)
			continue;
		/* the last records arrive within moments; then check them */
		kh_sleep_us(20000);
		kh_drain_stop(k);
		kh_drain_once(k);
		if (k->corrupt)
			kh_fail("iteration %u: session %d (%s): %s", it, i,
				op_name[ops[i]], k->why);
		if (k->exits > 1)
			kh_fail("iteration %u: session %d: %llu EXIT records", it, i,
				(unsigned long long)k->exits);
		if (!op_err[i] && ops[i] == OP_STOP && !(k->ctl->state & KMR_STATE_STOPPED))
			kh_fail("iteration %u: STOP succeeded but state is %#x", it,
				k->ctl->state);
		if (ops[i] == OP_STOP)
			kh_ioctl(k, KMR_IOC_DETACH, NULL);
		kh_close(k);
	}
}

int krace_exit(int argc, char **argv)
{
	unsigned int iters = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 200, it;
	double t0 = kh_now();
	bool compact;

	kh_seed((uint64_t)getpid() * 31);
	sh = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (sh == MAP_FAILED)
		kh_die("mmap: %s", strerror(errno));
	compact = krace_compactor_start();
	for (it = 1; it <= iters; it++) {
		if (it % 20 == 1)
			kh_progress("exit: iteration %u of %u", it, iters);
		one(it);
		if (kh_failures > 20)
			kh_die("more than 20 failures; stopping");
	}
	printf("krace exit: %u iterations in %.1f s; compaction rounds %lu%s; "
	       "DETACH ok/err %llu/%llu, STOP %llu/%llu, close %llu/%llu; %d failures\n",
	       iters, kh_now() - t0, krace_compactor_stop(),
	       compact ? "" : " (no compaction in this kernel)",
	       tally[0][0], tally[0][1], tally[1][0], tally[1][1], tally[2][0],
	       tally[2][1], kh_failures);
	return kh_failures ? 1 : 0;
}
