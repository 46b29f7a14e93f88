// SPDX-License-Identifier: GPL-2.0
/* Session and ring reader of the kcore guest tests (kcore_rec.h). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>
#include "kcore_rec.h"
#include "kring.h"

void kc_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(1);
}

uint64_t kc_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

int kc_open(struct kc_sess *k)
{
	memset(k, 0, sizeof(*k));
	k->fd = open("/dev/" KMR_DEVICE_NAME, O_RDWR | O_CLOEXEC);
	return k->fd < 0 ? -errno : 0;
}

int kc_ioctl(struct kc_sess *k, unsigned long cmd, void *arg)
{
	return ioctl(k->fd, cmd, arg) < 0 ? -errno : 0;
}

int kc_attach(struct kc_sess *k, const struct kmr_attach *a)
{
	k->at = *a;
	return kc_ioctl(k, KMR_IOC_ATTACH, &k->at);
}

int kc_map(struct kc_sess *k)
{
	int e = kring_map(k->fd, &k->at, &k->ctl, &k->data);

	if (e)
		return e;
	k->pos = calloc(k->at.nr_rings, sizeof(*k->pos));
	if (!k->pos)
		kc_die("out of memory");
	return 0;
}

void kc_close(struct kc_sess *k)
{
	kring_unmap(&k->at, k->ctl, k->data);
	if (k->fd >= 0)
		close(k->fd);
	free(k->pos);
	memset(k, 0, sizeof(*k));
	k->fd = -1;
}

static const struct kmr_event *kc_peek(struct kc_sess *k, uint32_t i,
				       long *err)
{
	for (;;) {
		uint64_t head = kring_head(k->ctl, i);
		const struct kmr_event *ev;
		const char *why;

		if (k->pos[i] == head)
			return NULL;
		ev = kring_record(k->ctl, k->data, i, k->pos[i], head, &why);
		if (!ev) {
			fprintf(stderr, "ring %u: bad record at %llu (head %llu): %s\n",
				i, (unsigned long long)k->pos[i],
				(unsigned long long)head, why);
			*err = -EBADMSG;
			return NULL;
		}
		if (ev->kind != KMR_EV_PAD)
			return ev;
		k->pads++;
		k->pos[i] += ev->size;
		kring_release(k->ctl, i, k->pos[i]);
	}
}

long kc_drain(struct kc_sess *k, kc_rec_fn fn, void *priv)
{
	long n = 0, err = 0;
	uint32_t i;
	bool progress = true;

	while (progress) {
		progress = false;
		for (i = 0; i < k->at.nr_rings; i++) {
			const struct kmr_event *ev = kc_peek(k, i, &err);

			if (err)
				return err;
			if (!ev)
				continue;
			if (ev->seq <= k->last) {
				fprintf(stderr, "ring %u: seq %llu after %llu\n", i,
					(unsigned long long)ev->seq,
					(unsigned long long)k->last);
				return -EBADMSG;
			}
			if (ev->seq != k->last + 1)
				continue;
			fn(ev, i, priv);
			k->last = ev->seq;
			k->pos[i] += ev->size;
			kring_release(k->ctl, i, k->pos[i]);
			k->delivered++;
			n++;
			progress = true;
		}
	}
	return n;
}

uint64_t kc_pending(const struct kc_sess *k)
{
	uint64_t sum = 0;
	uint32_t i;

	for (i = 0; i < k->at.nr_rings; i++)
		sum += kring_head(k->ctl, i) - k->pos[i];
	return sum;
}

struct kc_starter {
	struct kc_sess *k;
	int ret;
	int done;
};

static void *kc_start_thread(void *arg)
{
	struct kc_starter *st = arg;

	st->ret = kc_ioctl(st->k, KMR_IOC_START, NULL);
	__atomic_store_n(&st->done, 1, __ATOMIC_RELEASE);
	return NULL;
}

int kc_start_draining(struct kc_sess *k, kc_rec_fn fn, void *priv)
{
	struct kc_starter st = { .k = k };
	pthread_t t;
	long n;

	if (pthread_create(&t, NULL, kc_start_thread, &st))
		kc_die("pthread_create failed");
	while (!__atomic_load_n(&st.done, __ATOMIC_ACQUIRE)) {
		n = kc_drain(k, fn, priv);
		if (n < 0)
			kc_die("malformed ring during START");
		if (!n)
			usleep(200);
	}
	pthread_join(t, NULL);
	if (kc_drain(k, fn, priv) < 0)
		kc_die("malformed ring after START");
	return st.ret;
}

int kc_drain_final(struct kc_sess *k, kc_rec_fn fn, void *priv)
{
	uint64_t deadline = kc_now() + 5000000000ull;
	uint64_t last_seq;

	for (;;) {
		if (kc_drain(k, fn, priv) < 0)
			return -EBADMSG;
		last_seq = __atomic_load_n(&k->ctl->last_seq, __ATOMIC_ACQUIRE);
		if (k->last == last_seq && !kc_pending(k))
			return 0;
		if (kc_now() > deadline) {
			fprintf(stderr, "stream not whole: delivered up to %llu, last_seq %llu, %llu bytes pending\n",
				(unsigned long long)k->last,
				(unsigned long long)last_seq,
				(unsigned long long)kc_pending(k));
			return -EPIPE;
		}
		usleep(1000);
	}
}

void kc_session(struct kc_sess *k, int pid, uint64_t ring_size, uint64_t mask)
{
	struct kmr_attach a = {
		.pid = pid, .ring_size = ring_size, .event_mask = mask,
	};
	int r;

	r = kc_open(k);
	if (r)
		kc_die("open /dev/kmemrec: %s", strerror(-r));
	r = kc_attach(k, &a);
	if (r)
		kc_die("ATTACH pid %d: %s", pid, strerror(-r));
	r = kc_map(k);
	if (r)
		kc_die("mmap: %s", strerror(-r));
}
