// SPDX-License-Identifier: GPL-2.0
/*
 * krace sessions ITER [N]: N (default 12) sessions on one target that
 * execs twice and exits.
 *
 * Each iteration forks a target held at a gate, attaches and STARTs N
 * sessions on it (each mapped and drained), releases it (exec, exec,
 * exit 7) and waits for every session to say POLLHUP.  Checked: every
 * session gets exactly one EXIT record and ends with state EXITED, no ring
 * holds a malformed record, the target exits 7.  Issue 9 finding 7: the
 * module keeps at most 8 sessions per mm and WARNs (and loses EXEC/EXIT)
 * at the 9th; the harness fails the case on that WARN.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kh_common.h"
#include "krace.h"

#define MAXS 64

int krace_sessions(int argc, char **argv)
{
	unsigned int iters = argc > 0 ? (unsigned int)strtoul(argv[0], NULL, 0) : 200;
	unsigned int n = argc > 1 ? (unsigned int)strtoul(argv[1], NULL, 0) : 12, it, i;
	static struct kh_sess s[MAXS];
	double t0 = kh_now(), limit = kh_scaled(20);
	unsigned long long records = 0;

	if (n < 1 || n > MAXS)
		kh_die("N must be 1..%d", MAXS);
	for (it = 1; it <= iters; it++) {
		int gate, st, err;
		pid_t pid = krace_gate_child(2, 7, &gate);
		double t;

		if (it % 20 == 1)
			kh_progress("sessions: iteration %u of %u", it, iters);
		for (i = 0; i < n; i++) {
			if ((err = kh_open(&s[i])) ||
			    (err = kh_attach(&s[i], pid, KMR_RING_SIZE_MIN, 0)) ||
			    (err = kh_map(&s[i])))
				kh_die("iteration %u: session %u: %s", it, i, kh_errname(-err));
			kh_drain_start(&s[i]);
			if ((err = kh_ioctl(&s[i], KMR_IOC_START, NULL)))
				kh_fail("iteration %u: START %u: %s", it, i, kh_errname(-err));
		}
		krace_release(&gate);
		if (waitpid(pid, &st, 0) != pid)
			kh_die("waitpid: %s", strerror(errno));
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 7)
			kh_fail("iteration %u: the target ended with status %#x", it, st);
		/* every session says HUP (EXIT read) within the limit */
		for (t = kh_now(), i = 0; i < n; i++)
			while (!s[i].hup && kh_now() - t < limit)
				kh_sleep_us(2000);
		for (i = 0; i < n; i++) {
			kh_drain_stop(&s[i]);
			kh_drain_once(&s[i]);
			records += s[i].records;
			if (!s[i].hup)
				kh_fail("iteration %u: session %u: no POLLHUP %.0f s after the "
					"target exited", it, i, limit);
			if (s[i].exits != 1)
				kh_fail("iteration %u: session %u: %llu EXIT records", it, i,
					(unsigned long long)s[i].exits);
			if (!(s[i].ctl->state & KMR_STATE_EXITED))
				kh_fail("iteration %u: session %u: state %#x, not EXITED", it, i,
					s[i].ctl->state);
			if (s[i].corrupt)
				kh_fail("iteration %u: session %u: %s", it, i, s[i].why);
			kh_close(&s[i]);
		}
		if (kh_failures > 20)
			kh_die("more than 20 failures; stopping");
	}
	printf("krace sessions: %u iterations of %u sessions, %llu records, %.1f s; "
	       "%d failures\n", iters, n, records, kh_now() - t0, kh_failures);
	return kh_failures ? 1 : 0;
}
