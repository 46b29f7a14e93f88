// SPDX-License-Identifier: GPL-2.0
/* Shared helpers of khostile and krace (see kh_common.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kh_common.h"
#include "kring.h"
#include "time_scale.h"

int kh_failures;
static pthread_mutex_t kh_print_lock = PTHREAD_MUTEX_INITIALIZER;

void kh_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&kh_print_lock);
	fputs("FAIL ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	kh_failures++;
	pthread_mutex_unlock(&kh_print_lock);
}

void kh_die(const char *fmt, ...)
{
	va_list ap;

	fputs("ERROR ", stdout);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	fputc('\n', stdout);
	fflush(stdout);
	exit(2);
}

void kh_progress(const char *fmt, ...)
{
	char buf[200];
	va_list ap;
	int fd, n;

	n = snprintf(buf, sizeof(buf), "<6>%s: ", program_invocation_short_name);
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n, fmt, ap);
	va_end(ap);
	fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t w = write(fd, buf, strlen(buf));	/* best effort */

		(void)w;
		close(fd);
	}
	(void)n;
}

static __thread uint64_t kh_state = 0x9e3779b97f4a7c15ULL;

void kh_seed(uint64_t seed)
{
	kh_state = seed ? seed : 0x9e3779b97f4a7c15ULL;
}

uint64_t kh_rand(void)
{
	kh_state ^= kh_state >> 12;
	kh_state ^= kh_state << 25;
	kh_state ^= kh_state >> 27;
	return kh_state * 0x2545f4914f6cdd1dULL;
}

double kh_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void kh_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

double kh_scaled(double secs)
{
	return secs * kmr_time_scale();
}

uint64_t kh_task_size(void)
{
	static uint64_t ts;
	void *p;

	if (ts)
		return ts;
	ts = (1ULL << 47) - 4096;
	p = mmap((void *)(1ULL << 48), 4096, PROT_READ,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED_NOREPLACE, -1, 0);
	if (p != MAP_FAILED) {
		if (p == (void *)(1ULL << 48))
			ts = (1ULL << 56) - 4096;
		munmap(p, 4096);
	}
	return ts;
}

int kh_open(struct kh_sess *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/kmemrec", O_RDWR | O_CLOEXEC);
	return k->fd < 0 ? -errno : 0;
}

int kh_ioctl(struct kh_sess *k, unsigned long cmd, void *arg)
{
	return ioctl(k->fd, cmd, arg) ? -errno : 0;
}

int kh_attach(struct kh_sess *k, pid_t pid, uint64_t ring_size, uint64_t mask)
{
	memset(&k->a, 0, sizeof(k->a));
	k->a.pid = (uint32_t)pid;
	k->a.ring_size = ring_size;
	k->a.event_mask = mask;
	return kh_ioctl(k, KMR_IOC_ATTACH, &k->a);
}

int kh_map(struct kh_sess *k)
{
	size_t dlen = k->a.mmap_size - k->a.ctl_size;
	char *p;
	int e;

	/* One reservation, then the control area read-write at its start and
	 * the rings read-only right after it (abi.h: both parts may be mapped
	 * separately; the rings never writable). */
	p = mmap(NULL, k->a.mmap_size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return -errno;
	if (mmap(p, k->a.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 k->fd, 0) == MAP_FAILED ||
	    mmap(p + k->a.ctl_size, dlen, PROT_READ, MAP_SHARED | MAP_FIXED,
		 k->fd, (off_t)k->a.ctl_size) == MAP_FAILED) {
		e = -errno;
		munmap(p, k->a.mmap_size);
		return e;
	}
	k->map = p;
	k->ctl = (struct kmr_ctl *)p;
	return 0;
}

/* Walk [tail, head) of ring i: check every record's header, count. */
static void kh_consume_ring(struct kh_sess *k, unsigned int i)
{
	struct kmr_ring_ctl *rc = &k->ctl->ring[i];
	uint64_t size = k->ctl->ring_size, head, tail, pos;
	const char *data = (const char *)k->map + k->ctl->data_offset + i * size;

	head = __atomic_load_n(&rc->head, __ATOMIC_ACQUIRE);
	tail = __atomic_load_n(&rc->tail, __ATOMIC_RELAXED);
	if (head < tail || head - tail > size) {
		if (!k->corrupt)
			snprintf(k->why, sizeof(k->why),
				 "ring %u: head %llu tail %llu size %llu", i,
				 (unsigned long long)head, (unsigned long long)tail,
				 (unsigned long long)size);
		k->corrupt = true;
		tail = head;	/* resynchronise; a user tail is untrusted */
	}
	for (pos = tail; pos < head;) {
		const struct kmr_event *e =
			(const void *)(data + (pos & (size - 1)));
		uint64_t room = size - (pos & (size - 1));

		if (e->size < 8 || e->size % 8 || e->size > room ||
		    e->size > head - pos || e->kind >= KMR_EV_NR_KINDS) {
			if (!k->corrupt)
				snprintf(k->why, sizeof(k->why),
					 "ring %u pos %llu: kind %u size %u",
					 i, (unsigned long long)pos, e->kind,
					 e->size);
			k->corrupt = true;
			break;
		}
		if (e->kind != KMR_EV_PAD) {
			k->records++;
			if (e->seq > k->max_seq)
				k->max_seq = e->seq;
			if (e->kind == KMR_EV_EXIT)
				k->exits++;
			const struct kmr_fault_info *f = kring_fault(e);

			if (f && f->vaddr >= k->watch_lo && f->vaddr < k->watch_hi)
				k->watch_faults++;
			if (e->kind == KMR_EV_LOST) {
				k->lost_records++;
				k->lost_count += ((const struct kmr_ev_lost *)e)->count;
			}
		}
		k->bytes += e->size;
		pos += e->size;
	}
	__atomic_store_n(&rc->tail, head, __ATOMIC_RELEASE);
}

void kh_drain_once(struct kh_sess *k)
{
	unsigned int i;

	if (!k->ctl)
		return;
	for (i = 0; i < k->ctl->nr_rings; i++)
		kh_consume_ring(k, i);
}

static void *kh_drainer(void *arg)
{
	struct kh_sess *k = arg;
	struct pollfd p = { .fd = k->fd, .events = POLLIN };

	while (!k->stop) {
		int n;

		if (k->nopoll) {
			kh_sleep_us(1000);
			kh_drain_once(k);
			continue;
		}
		n = poll(&p, 1, 5);

		if (n < 0 && errno != EINTR)
			break;
		kh_drain_once(k);
		if (n > 0 && (p.revents & POLLHUP))
			k->hup = true;
		if (n > 0 && (p.revents & POLLERR))
			k->err = true;
		if (n > 0 && (p.revents & (POLLHUP | POLLERR)))
			kh_sleep_us(1000);	/* still drain until told to stop */
	}
	kh_drain_once(k);
	return NULL;
}

void kh_drain_start(struct kh_sess *k)
{
	k->stop = 0;
	if (pthread_create(&k->thr, NULL, kh_drainer, k))
		kh_die("pthread_create: %s", strerror(errno));
	k->draining = true;
}

void kh_drain_stop(struct kh_sess *k)
{
	if (!k->draining)
		return;
	k->stop = 1;
	pthread_join(k->thr, NULL);
	k->draining = false;
}

void kh_close(struct kh_sess *k)
{
	kh_drain_stop(k);
	if (k->map)
		munmap(k->map, k->a.mmap_size);
	if (k->fd >= 0)
		close(k->fd);
	k->map = NULL;
	k->ctl = NULL;
	k->fd = -1;
}

pid_t kh_spawn_idle(unsigned int pages)
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
		char *m = pages ? mmap(NULL, pages * 4096UL, PROT_READ | PROT_WRITE,
				       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) : NULL;
		unsigned int i;

		if (m == MAP_FAILED)
			_exit(3);
		for (i = 0; i < pages; i++)
			m[i * 4096UL] = (char)i;
		close(p[0]);
		if (write(p[1], "r", 1) != 1)
			_exit(3);
		close(p[1]);
		for (;;)
			pause();
	}
	close(p[1]);
	if (read(p[0], &c, 1) != 1)
		kh_die("idle child %d died before it was ready", pid);
	close(p[0]);
	return pid;
}

int kh_reap(pid_t pid)
{
	int st = 0;

	kill(pid, SIGKILL);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	return st;
}

const char *const kh_call_name[KH_NR_CALLS] = {
	"VERSION", "ATTACH", "START", "STOP", "DETACH", "STATS", "WALK",
	"MEM", "PAGE", "unknown-cmd", "pread", "pwrite", "mmap",
};

/*
 * The errors each call may answer.  abi.h documents: EINVAL for reserved or
 * padding fields, unknown flags and calls out of order; EBUSY for a second
 * ATTACH; ESRCH for START on an exited target; EPERM for a writable mapping
 * of the rings; EFAULT for KMR_IOC_MEM on memory that is not present.  The
 * rest follows the kernel's rules for what the module does: EFAULT for any
 * bad user pointer, ESRCH for a pid that does not exist (or has no mm),
 * EPERM where ptrace would refuse, ENOMEM where the module allocates, EINTR
 * when a sleep is interrupted, ENOTTY for an unknown command, ESTALE for
 * KMR_IOC_PAGE on a page that moved (fetch_walk.c).  Anything else is a finding:
 * either abi.h or the module must change.
 */
bool kh_errno_allowed(enum kh_call c, int err)
{
	switch (c) {
	case KH_VERSION:
		return err == EFAULT;
	case KH_ATTACH:
		return err == EFAULT || err == EINVAL || err == EBUSY ||
		       err == ESRCH || err == EPERM || err == ENOMEM;
	case KH_START:
		return err == EINVAL || err == ESRCH || err == EINTR ||
		       err == ENOMEM;
	case KH_STOP:
	case KH_DETACH:
		return err == EINVAL;
	case KH_STATS:
		return err == EFAULT || err == EINVAL;
	case KH_WALK:
		return err == EFAULT || err == EINVAL || err == ESRCH ||
		       err == EPERM;
	case KH_MEM:
		return err == EFAULT || err == EINVAL || err == ESRCH ||
		       err == EPERM || err == ENOMEM;
	case KH_PAGE:
		return err == EFAULT || err == EINVAL || err == ESRCH ||
		       err == EPERM || err == ESTALE;
	case KH_UNKNOWN:
		return err == ENOTTY;
	case KH_PREAD:
	case KH_PWRITE:
		return err == EFAULT || err == ESRCH || err == EINVAL ||
		       err == EPERM || err == ENOMEM || err == EIO;
	case KH_MMAP:
		return err == EINVAL || err == EPERM || err == ENOMEM ||
		       err == EACCES;
	default:
		return false;
	}
}

const char *kh_errname(int err)
{
	static const struct { int e; const char *n; } t[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ ESRCH, "ESRCH" }, { EINTR, "EINTR" }, { EIO, "EIO" },
		{ E2BIG, "E2BIG" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EACCES, "EACCES" }, { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" }, { EEXIST, "EEXIST" }, { ENODEV, "ENODEV" },
		{ EINVAL, "EINVAL" }, { ENOSPC, "ENOSPC" }, { ENOTTY, "ENOTTY" },
		{ ERANGE, "ERANGE" }, { ENOSYS, "ENOSYS" }, { EOVERFLOW, "EOVERFLOW" },
		{ ESTALE, "ESTALE" }, { ETIMEDOUT, "ETIMEDOUT" },
		{ EOPNOTSUPP, "EOPNOTSUPP" }, { EDEADLK, "EDEADLK" },
	};
	static __thread char buf[16];
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (t[i].e == err)
			return t[i].n;
	snprintf(buf, sizeof(buf), "errno%d", err);
	return buf;
}
