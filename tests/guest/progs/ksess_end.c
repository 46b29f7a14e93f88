// SPDX-License-Identifier: GPL-2.0
/*
 * endrace N: the end of a stream has one owner.  A faulting target is
 * killed and, after a random delay, the recorder calls STOP, DETACH or
 * close() and munmap() (in turn), so that the target's exit and the call
 * race.  Whoever ends the stream first, once STOP or DETACH has returned:
 *   - kmr_ctl.last_seq is final: no record with a higher seq ever appears
 *     (in particular not an EXIT written after STOP published last_seq);
 *   - an EXITED state comes with exactly one EXIT record, the last one;
 *   - poll() says POLLHUP only when the rings hold every record up to
 *     last_seq.
 * (after close() nothing is left to look at but the kernel's health).  The
 * iterations where the exit won the race are counted: they are the ones
 * that exercise the wait for the other path.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kcore_target.h"
#include "ksess.h"

enum { KS_STOP, KS_DETACH, KS_CLOSE, KS_NMODES };
static const char *const ks_mode_name[] = { "STOP", "DETACH", "close" };

/* Drain until the rings are empty and nothing moved for @quiet_ms. */
static void ks_drain_quiet(struct kc_sess *k, struct ks_obs *o, int quiet_ms)
{
	uint64_t until = kc_now() + (uint64_t)quiet_ms * 1000000ull;
	long n;

	while (kc_now() < until) {
		n = kc_drain(k, ks_apply, o);
		if (n < 0)
			kc_die("malformed ring");
		if (n || kc_pending(k))
			until = kc_now() + (uint64_t)quiet_ms * 1000000ull;
		usleep(200);
	}
}

static int ks_one(int iter, int mode, unsigned int delay_us, int *exit_won)
{
	struct kt_target t;
	struct kc_sess k;
	struct ks_obs o;
	struct pollfd pf;
	uint64_t last;
	int r, st;

	kt_spawn(&t, 16, KT_NOHUGE, KT_TOUCH);
	kc_session(&k, t.pid, 0, 0);
	ks_obs_init(&o);
	r = kc_start_draining(&k, ks_apply, &o);
	if (r)
		kc_die("iteration %d: START: %s", iter, strerror(-r));
	kill(t.pid, SIGUSR1);		/* fault without pause */
	ks_spin_us(2000);
	if (kc_drain(&k, ks_apply, &o) < 0)
		kc_die("malformed ring");
	kill(t.pid, SIGKILL);
	if (delay_us)
		usleep(delay_us);

	switch (mode) {
	case KS_STOP:
		r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
		break;
	case KS_DETACH:
		r = kc_ioctl(&k, KMR_IOC_DETACH, NULL);
		break;
	default:
		/*
		 * The mappings hold the file: only with them gone does the
		 * release run, and nothing is left to look at but the kernel.
		 */
		kc_close(&k);
		if (waitpid(t.pid, &st, 0) != t.pid)
			kc_die("waitpid: %s", strerror(errno));
		ks_obs_free(&o);
		*exit_won = 0;
		return 0;
	}
	/* The call returned: the stream has ended, last_seq is final. */
	last = __atomic_load_n(&k.ctl->last_seq, __ATOMIC_ACQUIRE);
	if (r)
		kc_die("iteration %d: %s: %s", iter, ks_mode_name[mode],
		       strerror(-r));
	/* HUP only once every record up to last_seq is readable */
	pf = (struct pollfd){ .fd = k.fd, .events = POLLIN };
	if (poll(&pf, 1, 0) < 0)
		kc_die("poll: %s", strerror(errno));
	ks_drain_quiet(&k, &o, 20);
	if (k.last != last)
		kc_die("iteration %d (%s after %u us): read up to seq %" PRIu64 ", but %s returned with last_seq %" PRIu64,
		       iter, ks_mode_name[mode], delay_us, k.last,
		       ks_mode_name[mode], last);
	/* The exit has surely run its course once the target is reaped. */
	if (waitpid(t.pid, &st, 0) != t.pid)
		kc_die("waitpid: %s", strerror(errno));
	ks_drain_quiet(&k, &o, 50);
	if (k.last != last || __atomic_load_n(&k.ctl->last_seq,
					      __ATOMIC_ACQUIRE) != last)
		kc_die("iteration %d (%s after %u us): records up to seq %" PRIu64 " (last_seq now %" PRIu64 ") came after %s returned with last_seq %" PRIu64 " (EXIT seq %" PRIu64 ")",
		       iter, ks_mode_name[mode], delay_us, k.last,
		       (uint64_t)k.ctl->last_seq, ks_mode_name[mode], last,
		       o.exit_seq);
	if (o.m.exits > 1 || (o.m.exits && o.exit_seq != last))
		kc_die("iteration %d: %" PRIu64 " EXIT records, EXIT seq %" PRIu64 ", last %" PRIu64,
		       iter, o.m.exits, o.exit_seq, last);
	if ((k.ctl->state & KMR_STATE_EXITED) && !o.m.exits)
		kc_die("iteration %d: state EXITED without an EXIT record",
		       iter);
	if ((pf.revents & POLLHUP) &&
	    o.m.exits != !!(k.ctl->state & KMR_STATE_EXITED))
		kc_die("iteration %d: POLLHUP with state %#x and %" PRIu64 " EXIT",
		       iter, k.ctl->state, o.m.exits);
	*exit_won = o.m.exits != 0;
	if (o.m.lost || o.m.kinds[KMR_EV_LOST])
		kc_die("iteration %d: %" PRIu64 " records lost", iter, o.m.lost);
	kc_close(&k);
	ks_obs_free(&o);
	return 0;
}

int ks_endrace(int argc, char **argv)
{
	int n = argc > 0 ? atoi(argv[0]) : 90;
	int won[KS_NMODES] = { 0 }, runs[KS_NMODES] = { 0 };
	int i, w, mode;

	srand(getpid());
	for (i = 0; i < n; i++) {
		mode = i % KS_NMODES;
		ks_one(i, mode, (unsigned int)(rand() % 4000), &w);
		won[mode] += w;
		runs[mode]++;
	}
	for (mode = 0; mode < KS_CLOSE; mode++)
		printf("endrace: %s: %d runs, the exit ended the stream first in %d\n",
		       ks_mode_name[mode], runs[mode], won[mode]);
	printf("endrace: close (and unmap): %d runs\n", runs[KS_CLOSE]);
	return 0;
}
