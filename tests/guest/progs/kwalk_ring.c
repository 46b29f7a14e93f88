// SPDX-License-Identifier: GPL-2.0
/*
 * kwalk_check hotplug / ringcap / memcg: the rings.
 *
 * hotplug: records dropped on CPU 1's ring, then CPU 1 taken offline before
 * the drops were reported: STOP must still report every drop (a LOST record
 * on that ring), so the LOST counts equal the rings' drop counters.
 *
 * ringcap: ATTACH after ATTACH with large rings until the module's global
 * cap on ring memory refuses one with ENOSPC, cleanly (no allocation
 * warning); closing a session makes room again.
 *
 * memcg: a process in a memory cgroup limited below the rings it asks for
 * is refused with ENOMEM, and its cgroup never goes over the limit (the
 * rings are charged to it), with no OOM kill.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
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

/* ------------------------------------------------------------------------ */
/* ringcap                                                                  */
/* ------------------------------------------------------------------------ */

#define KW_CAP_PARAM	"/sys/module/kmemrec/parameters/ring_mem_max_mb"

static uint64_t kw_memtotal(void)
{
	char line[128];
	uint64_t kb = 0;
	FILE *f = fopen("/proc/meminfo", "r");

	if (!f)
		kc_die("/proc/meminfo: %s", strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemTotal: %" SCNu64 " kB", &kb) == 1)
			break;
	fclose(f);
	return kb << 10;
}

static int kw_attach_ring(struct kc_sess *k, pid_t pid, uint64_t ring)
{
	struct kmr_attach a = { .pid = pid, .ring_size = ring };
	int r = kc_open(k);

	if (r)
		kc_die("open: %s", strerror(-r));
	r = kc_attach(k, &a);
	if (r) {
		close(k->fd);
		k->fd = -1;
	}
	return r;
}

/* ringcap [ring MiB]: sessions until the cap refuses one with ENOSPC. */
int kw_ringcap(int argc, char **argv)
{
	uint64_t ring = (argc > 0 ? strtoull(argv[0], NULL, 0) : 8) << 20;
	uint64_t ram = kw_memtotal(), cap = ram / 4, per, held = 0;
	long long param = kw_read_ll(KW_CAP_PARAM);
	unsigned int n = 0, max_n, i;
	struct kc_sess *k;
	struct kt_target t;
	int r = 0;

	kt_spawn(&t, 8, 0, KT_PAUSE);
	if (param > 0)
		cap = (uint64_t)param << 20;
	/* Do not go past half of RAM if nothing refuses. */
	per = ring * kw_ncpus();
	max_n = ram / 2 / per + 1;
	k = calloc(max_n, sizeof(*k));
	if (!k)
		kc_die("out of memory");
	for (n = 0; n < max_n; n++) {
		r = kw_attach_ring(&k[n], t.pid, ring);
		if (r)
			break;
		held += k[n].at.mmap_size;
	}
	printf("ringcap: RAM %" PRIu64 " MiB, cap %s%" PRIu64 " MiB; %u sessions of %" PRIu64 " KiB rings hold %" PRIu64 " MiB, the next ATTACH: %s\n",
	       ram >> 20, param > 0 ? "" : "(default RAM/4) ", cap >> 20, n,
	       ring >> 10, held >> 20, r ? strerror(-r) : "accepted");
	if (r != -ENOSPC)
		kc_die("ATTACH past the cap: %s, want ENOSPC", r ? strerror(-r) : "accepted");
	if (held > cap || held + k[0].at.mmap_size <= cap)
		kc_die("refused with %" PRIu64 " MiB held, cap %" PRIu64 " MiB",
		       held >> 20, cap >> 20);
	/* A ring of 1 GiB per CPU: refused at once, cleanly. */
	r = kw_attach_ring(&k[n], t.pid, KMR_RING_SIZE_MAX);
	printf("ringcap: a %llu MiB ring per CPU: %s\n",
	       KMR_RING_SIZE_MAX >> 20, r ? strerror(-r) : "accepted");
	if (r != -ENOSPC)
		kc_die("1 GiB rings: %s, want ENOSPC", r ? strerror(-r) : "accepted");
	/* Closing one makes room for one. */
	kc_close(&k[0]);
	r = kw_attach_ring(&k[0], t.pid, ring);
	if (r)
		kc_die("ATTACH after closing a session: %s", strerror(-r));
	/* A lower cap applies to the next ATTACH. */
	if (kw_write_file(KW_CAP_PARAM, "1"))
		kc_die("cannot set %s", KW_CAP_PARAM);
	kc_close(&k[0]);
	r = kw_attach_ring(&k[0], t.pid, KMR_RING_SIZE_MIN);
	{
		char v[32];

		snprintf(v, sizeof(v), "%lld", param > 0 ? param : 0);
		kw_write_file(KW_CAP_PARAM, v);
	}
	printf("ringcap: with ring_mem_max_mb=1 and %u sessions open, a 64 KiB ring: %s\n",
	       n - 1, r ? strerror(-r) : "accepted");
	if (r != -ENOSPC)
		kc_die("cap lowered to 1 MiB: %s, want ENOSPC", r ? strerror(-r) : "accepted");
	for (i = 1; i < n; i++)
		kc_close(&k[i]);
	/* Everything closed: the whole cap is free again. */
	r = kw_attach_ring(&k[0], t.pid, ring);
	if (r)
		kc_die("ATTACH with every session closed: %s", strerror(-r));
	kc_close(&k[0]);
	free(k);
	kt_kill(&t);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* memcg                                                                    */
/* ------------------------------------------------------------------------ */

#define KW_CG_ROOT	"/sys/fs/cgroup"
#define KW_CG		KW_CG_ROOT "/kwalk"

static long long kw_cg_read(const char *file)
{
	char path[128];

	snprintf(path, sizeof(path), "%s/%s", KW_CG, file);
	return kw_read_ll(path);
}

static long long kw_cg_event(const char *key)
{
	char line[128];
	size_t n = strlen(key);
	long long v = -1;
	FILE *f = fopen(KW_CG "/memory.events", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, n) && line[n] == ' ')
			v = atoll(line + n + 1);
	fclose(f);
	return v;
}

/* In the cgroup: a fitting ATTACH is charged, a too big one refused. */
static void __attribute__((noreturn)) kw_memcg_child(pid_t target, int out)
{
	struct kc_sess k, big;
	long long before, after;
	int r1, r2;
	char msg[256];

	before = kw_cg_read("memory.current");
	r1 = kw_attach_ring(&k, target, 4ull << 20);
	after = kw_cg_read("memory.current");
	r2 = kw_attach_ring(&big, target, 64ull << 20);
	snprintf(msg, sizeof(msg), "%d %d %lld %lld %llu\n", r1, r2, before,
		 after, r1 ? 0ull : (unsigned long long)k.at.mmap_size);
	if (write(out, msg, strlen(msg)) < 0)
		_exit(3);
	_exit(0);
}

/* memcg [limit MiB] */
int kw_memcg(int argc, char **argv)
{
	long long limit = (argc > 0 ? atoll(argv[0]) : 48) << 20;
	long long before, after, peak, oom;
	unsigned long long mapped;
	struct kt_target t;
	char buf[256], v[32];
	int p[2], st, r1, r2, n;
	pid_t c;

	if (access(KW_CG_ROOT "/cgroup.controllers", R_OK) &&
	    system("mount -t cgroup2 none " KW_CG_ROOT))
		kc_die("cannot mount cgroup2");
	if (kw_write_file(KW_CG_ROOT "/cgroup.subtree_control", "+memory"))
		kc_die("cannot enable the memory controller");
	if (mkdir(KW_CG, 0755) && errno != EEXIST)
		kc_die("mkdir %s: %s", KW_CG, strerror(errno));
	snprintf(v, sizeof(v), "%lld", limit);
	if (kw_write_file(KW_CG "/memory.max", v))
		kc_die("cannot set memory.max");
	kt_spawn(&t, 8, 0, KT_PAUSE);
	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	c = fork();
	if (!c) {
		char self[16];

		snprintf(self, sizeof(self), "%d", getpid());
		if (kw_write_file(KW_CG "/cgroup.procs", self))
			_exit(4);
		close(p[0]);
		kw_memcg_child(t.pid, p[1]);
	}
	close(p[1]);
	n = read(p[0], buf, sizeof(buf) - 1);
	if (waitpid(c, &st, 0) != c)
		kc_die("waitpid: %s", strerror(errno));
	if (n <= 0 || !WIFEXITED(st) || WEXITSTATUS(st))
		kc_die("the process in the cgroup died (status %#x)", st);
	buf[n] = 0;
	if (sscanf(buf, "%d %d %lld %lld %llu", &r1, &r2, &before, &after,
		   &mapped) != 5)
		kc_die("bad report from the child: %s", buf);
	peak = kw_cg_read("memory.peak");
	oom = kw_cg_event("oom_kill");
	printf("memcg: limit %lld MiB; a %llu KiB ATTACH: %s, memory.current %lld -> %lld KiB; a 64 MiB ring: %s; memory.peak %lld KiB, oom_kill %lld\n",
	       limit >> 20, mapped >> 10, r1 ? strerror(-r1) : "accepted",
	       before >> 10, after >> 10, r2 ? strerror(-r2) : "accepted",
	       peak >> 10, oom);
	kt_kill(&t);
	rmdir(KW_CG);
	if (r1)
		kc_die("a ring that fits the cgroup was refused: %s", strerror(-r1));
	if (after - before < (long long)mapped * 9 / 10)
		kc_die("the rings (%llu KiB) were not charged to the cgroup (+%lld KiB)",
		       mapped >> 10, (after - before) >> 10);
	if (r2 != -ENOMEM)
		kc_die("rings over the cgroup's limit: %s, want ENOMEM",
		       r2 ? strerror(-r2) : "accepted");
	if (peak > limit || oom > 0)
		kc_die("the cgroup went over its limit (peak %lld) or OOM-killed (%lld)",
		       peak, oom);
	return 0;
}
