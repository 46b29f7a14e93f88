// SPDX-License-Identifier: GPL-2.0
/*
 * krace rmmod ITER KO: rmmod attempts while a traced target execs.
 *
 * Each iteration starts a session on a target that execs three times and
 * exits 7, and closes the session at a random moment of the exec chain (or,
 * in half of the iterations, while the target is ptraced and sits stopped
 * at PTRACE_EVENT_EXEC), then tries to remove the module.  Nine iterations
 * in ten another session (the keeper) keeps the module busy: the attempt
 * must answer "in use".  Every tenth the keeper is closed first, a thread
 * calls delete_module() until it succeeds, and the module is loaded again
 * (issue 9 finding 12: the exec hook's task_work runs module code racing
 * rmmod, and rmmod can hang on a target stopped at an exec).
 *
 * Checked: delete_module answers only EBUSY/EAGAIN while in use, succeeds
 * once the last session is gone, and returns within 30 s x KMR_TIME_SCALE;
 * the target always completes its chain and exits 7; the module loads
 * again.  The module is loaded when this returns.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "krace.h"

static const char *ko;
static volatile int rm_done, rm_err, rm_go;
static unsigned long long rm_tries, removed, busy;

static int load(void)
{
	int fd = open(ko, O_RDONLY | O_CLOEXEC), r;

	if (fd < 0)
		kh_die("open %s: %s", ko, strerror(errno));
	r = (int)syscall(SYS_finit_module, fd, "", 0);
	r = r ? errno : 0;
	close(fd);
	return r == EEXIST ? 0 : r;
}

static void *remover(void *arg)
{
	double limit = *(double *)arg, t0;

	while (!rm_go)
		kh_sleep_us(100);
	t0 = kh_now();
	for (;;) {
		long r = syscall(SYS_delete_module, "kmemrec", O_NONBLOCK);

		rm_tries++;
		if (!r) {
			rm_err = 0;
			removed++;
			break;
		}
		rm_err = errno;
		if (rm_err != EBUSY && rm_err != EAGAIN)
			break;
		busy++;
		if (kh_now() - t0 > limit)
			break;
		kh_sleep_us(200);
	}
	rm_done = 1;
	return NULL;
}

/* Run the target to its end, continuing it through ptrace stops. */
static int finish(pid_t pid, bool traced)
{
	int st;

	for (;;) {
		if (waitpid(pid, &st, __WALL) != pid)
			kh_die("waitpid: %s", strerror(errno));
		if (WIFEXITED(st) || WIFSIGNALED(st))
			return st;
		if (traced && WIFSTOPPED(st)) {
			int sig = WSTOPSIG(st);

			/* event stops carry SIGTRAP in the high bits: no signal */
			if (st >> 16 || sig == SIGTRAP)
				sig = 0;
			ptrace(PTRACE_CONT, pid, 0, sig);
		}
	}
}

/*
 * The keeper: a session on an idle process, open in the iterations that do
 * not unload, so the module stays busy (every rmmod attempt must answer
 * "in use") and its hooks stay registered (no text patching, so those
 * iterations are cheap); closed before each unload iteration.
 */
static struct kh_sess keeper;
static bool keeping;
static pid_t keeper_target;

static void keep(bool on)
{
	int err;

	if (on && !keeping) {
		if (!keeper_target)
			keeper_target = kh_spawn_idle(1);
		if ((err = kh_open(&keeper)) ||
		    (err = kh_attach(&keeper, keeper_target, KMR_RING_SIZE_MIN, 0)))
			kh_die("keeper session: %s", kh_errname(-err));
		keeping = true;
	} else if (!on && keeping) {
		kh_close(&keeper);
		keeping = false;
	}
}

/* Busy iterations: one attempt, which must say "in use". */
static void try_busy(unsigned int it)
{
	long r = syscall(SYS_delete_module, "kmemrec", O_NONBLOCK);

	rm_tries++;
	if (!r) {
		removed++;
		kh_fail("iteration %u: rmmod succeeded while a session was open", it);
		keeping = false;	/* its fd is dead now */
		if (load())
			kh_die("reloading %s", ko);
		return;
	}
	busy++;
	if (errno != EBUSY && errno != EAGAIN)
		kh_fail("iteration %u: delete_module of a busy module: %s", it,
			kh_errname(errno));
}

static void one(unsigned int it, double limit)
{
	bool unload = it % 10 == 0, traced = it % 4 < 2;
	struct kh_sess k;
	double t0;
	pthread_t t;
	int gate, err, st;
	pid_t pid;

	if ((err = load()))
		kh_die("iteration %u: loading %s: %s", it, ko, kh_errname(err));
	keep(!unload);
	pid = krace_gate_child(3, 7, &gate);
	if (traced && ptrace(PTRACE_SEIZE, pid, 0, PTRACE_O_TRACEEXEC))
		kh_die("PTRACE_SEIZE: %s", strerror(errno));
	if ((err = kh_open(&k)) || (err = kh_attach(&k, pid, KMR_RING_SIZE_MIN, 0)))
		kh_die("iteration %u: session: %s", it, kh_errname(-err));
	if ((err = kh_ioctl(&k, KMR_IOC_START, NULL)))
		kh_fail("iteration %u: START: %s", it, kh_errname(-err));
	rm_done = 0;
	rm_go = 0;
	rm_err = 0;
	if (unload)
		pthread_create(&t, NULL, remover, &limit);
	krace_release(&gate);
	if (traced) {
		/* wait for the first exec stop and leave the target there */
		if (waitpid(pid, &st, __WALL) != pid)
			kh_die("waitpid: %s", strerror(errno));
		if (!(WIFSTOPPED(st) && st >> 8 == (SIGTRAP | (PTRACE_EVENT_EXEC << 8))))
			kh_fail("iteration %u: expected an exec stop, got status %#x", it, st);
	} else {
		kh_sleep_us((unsigned int)kh_below(3000));
	}
	close(k.fd);
	if (!unload) {
		try_busy(it);
	} else {
		rm_go = 1;
		/* delete_module itself must not block, even on a target that
		 * sits stopped at an exec */
		t0 = kh_now();
		while (!rm_done && kh_now() - t0 < limit + 5)
			kh_sleep_us(1000);
		if (!rm_done)
			kh_fail("iteration %u: delete_module did not return in %.0f s%s", it,
				limit + 5, traced ? " while the target sat stopped at an exec" : "");
	}
	if (traced)
		ptrace(PTRACE_CONT, pid, 0, 0);
	if (unload) {
		pthread_join(t, NULL);
		if (rm_err && rm_err != EBUSY && rm_err != EAGAIN)
			kh_fail("iteration %u: delete_module: %s", it, kh_errname(rm_err));
		else if (rm_err)
			kh_fail("iteration %u: the module stayed busy for %.0f s after its last "
				"session closed%s", it, limit,
				traced ? " (target stopped at an exec)" : "");
	}
	st = finish(pid, traced);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
		kh_fail("iteration %u%s: the target ended with status %#x, not exit 7", it,
			traced ? " (traced)" : "", st);
}

int krace_rmmod(int argc, char **argv)
{
	unsigned int iters = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 200, it;
	double limit = kh_scaled(30), t0 = kh_now();
	int err;

	if (argc < 2)
		kh_die("usage: krace rmmod ITER KO");
	ko = argv[1];
	kh_seed((uint64_t)getpid() * 11);
	for (it = 1; it <= iters; it++) {
		kh_progress("rmmod: iteration %u of %u (%llu removals)", it, iters, removed);
		one(it, limit);
		if (kh_failures > 20)
			break;
	}
	keep(false);
	if (keeper_target)
		kh_reap(keeper_target);
	if ((err = load()))
		kh_fail("reloading %s at the end: %s", ko, kh_errname(err));
	printf("krace rmmod: %u iterations, module removed %llu times, %llu busy "
	       "answers, %.1f s; %d failures\n", it - 1 < iters ? it : iters, removed,
	       busy, kh_now() - t0, kh_failures);
	return kh_failures ? 1 : 0;
}
