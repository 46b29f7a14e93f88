// SPDX-License-Identifier: GPL-2.0
/*
 * missed THREADS EXPECT: THREADS threads of the target block inside
 * handle_mm_fault() on userfaultfd-registered pages (each holds a kretprobe
 * instance of the fault hook while it sleeps); meanwhile the main thread
 * writes 256 ordinary pages.  Then the faults are resolved and everything
 * completes.
 *   EXPECT 0: the module's fault hook has room for all of them: no loss,
 *             a FAULT record for every fault.
 *   EXPECT 1: it has not (fault_maxactive below THREADS): faults whose
 *             hook could not run must be reported, never silent: every
 *             one of the 256 writes has its FAULT record or is counted in
 *             a KMR_EV_LOST with FAULT among its kinds; a RESYNC follows.
 * Either way the final state equals maps/pagemap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <linux/userfaultfd.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "ksess.h"
#include "kring.h"

#define KM_NORMAL	256

struct km_target {
	int uffd;
	char *u;		/* THREADS uffd pages */
	char *n;		/* KM_NORMAL ordinary pages */
	long threads;
	int wfd;
};

static void km_say(int fd, const char *fmt, unsigned long a)
{
	char line[64];
	int n = snprintf(line, sizeof(line), fmt, a);

	if (write(fd, line, n) != n)
		_exit(3);
}

static void *km_blocker(void *arg)
{
	volatile char *p = arg;

	*p = 1;		/* sleeps in handle_userfault() until resolved */
	return NULL;
}

static void km_target(long threads, int wfd)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { 0 };
	pthread_t *tid = calloc(threads, sizeof(*tid));
	static char page[4096] __attribute__((aligned(4096)));
	pthread_attr_t attr;
	sigset_t set;
	long i, seen = 0;
	int uffd, sig;
	char *u, *n;

	uffd = syscall(SYS_userfaultfd, O_CLOEXEC);
	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api) || !tid)
		kc_die("target: userfaultfd: %s", strerror(errno));
	u = mmap(NULL, threads * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	n = mmap(NULL, KM_NORMAL * 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (u == MAP_FAILED || n == MAP_FAILED)
		kc_die("target: mmap: %s", strerror(errno));
	madvise(u, threads * 4096, MADV_NOHUGEPAGE);
	madvise(n, KM_NORMAL * 4096, MADV_NOHUGEPAGE);
	reg.range.start = (unsigned long)u;
	reg.range.len = threads * 4096;
	reg.mode = UFFDIO_REGISTER_MODE_MISSING;
	if (ioctl(uffd, UFFDIO_REGISTER, &reg))
		kc_die("target: UFFDIO_REGISTER: %s", strerror(errno));
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 << 10);
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	sigaddset(&set, SIGUSR2);
	sigprocmask(SIG_BLOCK, &set, NULL);
	km_say(wfd, "u %lu\n", (unsigned long)n);

	sigwait(&set, &sig);		/* SIGUSR1: block the threads */
	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], &attr, km_blocker, u + i * 4096))
			kc_die("target: thread %ld: %s", i, strerror(errno));
	while (seen < threads) {	/* every one is asleep in a fault */
		struct uffd_msg msg;

		if (read(uffd, &msg, sizeof(msg)) != sizeof(msg))
			kc_die("target: read uffd: %s", strerror(errno));
		if (msg.event == UFFD_EVENT_PAGEFAULT)
			seen++;
	}
	km_say(wfd, "b %lu\n", seen);
	for (i = 0; i < KM_NORMAL; i++)
		n[i * 4096] = 1;
	km_say(wfd, "n %lu\n", KM_NORMAL);

	sigwait(&set, &sig);		/* SIGUSR2: resolve them */
	memset(page, 7, sizeof(page));
	for (i = 0; i < threads; i++) {
		struct uffdio_copy cp = {
			.dst = (unsigned long)(u + i * 4096),
			.src = (unsigned long)page, .len = 4096,
		};

		if (ioctl(uffd, UFFDIO_COPY, &cp) && errno != EEXIST)
			kc_die("target: UFFDIO_COPY: %s", strerror(errno));
	}
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	km_say(wfd, "d %ld\n", threads);
	for (;;)
		pause();
}

struct km_wait {
	int fd;
	char want;
	char line[64];
};

static bool km_said(void *arg)
{
	struct km_wait *w = arg;
	struct pollfd pf = { .fd = w->fd, .events = POLLIN };

	if (poll(&pf, 1, 0) != 1)
		return false;
	ks_read_line(w->fd, w->line, sizeof(w->line));
	if (w->line[0] != w->want)
		kc_die("missed: the target said '%s', expected '%c ...'",
		       w->line, w->want);
	return true;
}

static bool km_quiet(void *arg)
{
	return kc_now() > *(uint64_t *)arg;
}

/* FAULT records of @tid inside [lo, hi), counted on the side. */
struct km_count {
	struct ks_obs o;
	uint64_t lo, hi;
	uint32_t tid;
	uint64_t hits;
};

static void km_apply_count(const struct kmr_event *ev, uint32_t ring,
			   void *priv)
{
	struct km_count *c = priv;

	const struct kmr_fault_info *e = kring_fault(ev);

	if (e && e->tid == c->tid && e->vaddr >= c->lo && e->vaddr < c->hi)
		c->hits++;
	ks_apply(ev, ring, &c->o);
}

int ks_missed(int argc, char **argv)
{
	long threads = argc > 0 ? atol(argv[0]) : 1000;
	int expect = argc > 1 ? atoi(argv[1]) : 0;
	struct km_wait w = { 0 };
	struct kc_sess k;
	struct km_count c = { 0 };
	uint64_t until, pages, lost_faults;
	int p[2], r;
	pid_t pid;
	long d;

	if (pipe(p))
		kc_die("pipe: %s", strerror(errno));
	pid = fork();
	if (pid < 0)
		kc_die("fork: %s", strerror(errno));
	if (!pid) {
		close(p[0]);
		km_target(threads, p[1]);
	}
	close(p[1]);
	w.fd = p[0];
	w.want = 'u';
	while (!km_said(&w))
		usleep(1000);
	c.lo = strtoull(w.line + 2, NULL, 10);
	c.hi = c.lo + KM_NORMAL * 4096;
	c.tid = pid;
	ks_obs_init(&c.o);
	kc_session(&k, pid, 0, 0);
	r = kc_start_draining(&k, km_apply_count, &c);
	if (r)
		kc_die("START: %s", strerror(-r));

	kill(pid, SIGUSR1);
	w.want = 'b';
	if (ks_drain_until_fn(&k, km_apply_count, &c, km_said, &w, 120000))
		kc_die("missed: the %ld threads did not all block", threads);
	w.want = 'n';
	if (ks_drain_until_fn(&k, km_apply_count, &c, km_said, &w, 60000))
		kc_die("missed: the ordinary writes did not finish");
	kill(pid, SIGUSR2);
	w.want = 'd';
	if (ks_drain_until_fn(&k, km_apply_count, &c, km_said, &w, 120000))
		kc_die("missed: the blocked faults did not complete");
	/* the resync after a loss waits for the reader: keep reading */
	until = kc_now() + 1000000000ull;
	ks_drain_until_fn(&k, km_apply_count, &c, km_quiet, &until, 5000);
	kill(pid, SIGSTOP);
	waitpid(pid, NULL, WUNTRACED);
	r = kc_ioctl(&k, KMR_IOC_STOP, NULL);
	if (r || kc_drain_final(&k, km_apply_count, &c))
		kc_die("missed: STOP/drain failed");
	d = km_compare(&c.o.m, pid, 20, &pages);
	lost_faults = (c.o.lost_kinds & (1ull << KMR_EV_FAULT)) ?
		      c.o.lost_count : 0;
	printf("missed: %ld threads asleep in faults; %d ordinary writes: %" PRIu64 " FAULT records, %" PRIu64 " LOST records (%" PRIu64 " counted, kinds %#" PRIx64 "), %" PRIu64 " RESYNC snapshots; final state: %" PRIu64 " present pages, %ld differences\n",
	       threads, KM_NORMAL, c.hits, c.o.m.lost_records,
	       c.o.lost_count, c.o.lost_kinds,
	       c.o.m.snapshots[KMR_SNAP_RESYNC], pages, d);
	if (d)
		kc_die("missed: the final state differs from maps/pagemap");
	if (!expect && (c.hits != KM_NORMAL || c.o.m.lost_records))
		kc_die("missed: expected every FAULT and no loss");
	if (c.hits + lost_faults < KM_NORMAL)
		kc_die("missed: %" PRIu64 " faults neither recorded nor reported lost",
		       KM_NORMAL - c.hits - lost_faults);
	if (expect && (!c.o.m.lost_records ||
		       !c.o.m.snapshots[KMR_SNAP_RESYNC]))
		kc_die("missed: expected a LOST record and a RESYNC");
	kc_close(&k);
	ks_obs_free(&c.o);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
	close(p[0]);
	return 0;
}
