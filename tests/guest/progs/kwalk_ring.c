// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check hotplug: the rings.
 *
 * hotplug: records dropped on CPU 1's ring, then CPU 1 taken offline before
 * the drops were reported: STOP must still report every drop (a LOST record
 * on that ring), so the LOST counts equal the rings' drop counters.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include "kwalk_check.h"
#include "kcore_target.h"

#define KW_CPU1_ONLINE	"/sys/devices/system/cpu/cpu1/online"

static uint64_t kw_ring_lost(const struct kc_sess *k, uint32_t ring)
{
	return __atomic_load_n(&k->ctl->ring[ring].lost, __ATOMIC_RELAXED);
}

static uint64_t kw_lost_total(const struct kc_sess *k)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < k->at.nr_rings; i++)
		sum += kw_ring_lost(k, i);
	return sum;
}

/* A target on CPU 1 that faults in a loop once it gets SIGUSR1. */
static pid_t kw_cpu1_target(int *ready_fd)
{
	int p[2];
	pid_t pid;
	char c;

	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	pid = fork();
	if (!pid) {
		sigset_t set;
		int sig;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		kw_pin(1);
		sigemptyset(&set);
		sigaddset(&set, SIGUSR1);
		sigprocmask(SIG_BLOCK, &set, NULL);
		if (write(p[1], "r", 1) != 1)
			_exit(2);
		sigwait(&set, &sig);
		kt_touch_loop();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		kc_die("target died before it was ready");
	*ready_fd = p[0];
	return pid;
}

/* hotplug: drops on CPU 1's ring reported although CPU 1 went offline. */
int kw_hotplug(int argc, char **argv)
{
	struct kt_target t;
	struct kc_sess k;
	struct km_model m;
	uint64_t lost1, lost_all;
	int r;

	(void)argc;
	(void)argv;
	if (kw_ncpus() < 2 || access(KW_CPU1_ONLINE, W_OK)) {
		printf("hotplug: needs CPU 1 and %s\n", KW_CPU1_ONLINE);
		exit(KW_SKIP);
	}
	t.pid = kw_cpu1_target(&t.ready_fd);
	kc_session(&k, t.pid, KMR_RING_SIZE_MIN, 0);
	km_init(&m);
	r = kc_start_draining(&k, km_apply, &m);
	if (r)
		kc_die("START: %s", strerror(-r));
	/* It faults on CPU 1 for 1.5 s while nobody reads: ring 1 drops. */
	kill(t.pid, SIGUSR1);
	usleep(1500 * 1000);
	kt_stop(&t);
	lost1 = kw_ring_lost(&k, 1);
	if (!lost1)
		kc_die("no record was dropped on CPU 1's ring");
	/* Its drops are not reported yet (the ring is full); take it down. */
	r = kw_write_file(KW_CPU1_ONLINE, "0");
	if (r)
		kc_die("offline CPU 1: %s", strerror(-r));
	if (kc_ioctl(&k, KMR_IOC_STOP, NULL) ||
	    kc_drain_final(&k, km_apply, &m)) {
		kw_write_file(KW_CPU1_ONLINE, "1");
		kc_die("STOP/drain failed");
	}
	r = kw_write_file(KW_CPU1_ONLINE, "1");
	lost_all = kw_lost_total(&k);
	printf("hotplug: %" PRIu64 " records dropped (%" PRIu64 " on CPU 1's ring, then CPU 1 offline); LOST records report %" PRIu64 " in %" PRIu64 " records; %" PRIu64 " records read\n",
	       lost_all, lost1, m.lost, m.lost_records, k.delivered);
	if (r)
		kc_die("online CPU 1 again: %s", strerror(-r));
	if (m.lost != lost_all)
		kc_die("%" PRIu64 " drops, but the LOST records report %" PRIu64,
		       lost_all, m.lost);
	kc_close(&k);
	kt_kill(&t);
	km_free(&m);
	return 0;
}
