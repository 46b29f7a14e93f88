// SPDX-License-Identifier: GPL-2.0
/* See kb_session.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include "kb_session.h"

int kb_open(struct kb_session *s, int pid, uint64_t mask, uint64_t ring_size,
	    uint64_t watermark)
{
	memset(s, 0, sizeof(*s));
	s->fd = open("/dev/kmemrec", O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		return -errno;
	s->at.pid = pid;
	s->at.event_mask = mask;
	s->at.ring_size = ring_size;
	s->at.watermark = watermark;
	if (ioctl(s->fd, KMR_IOC_ATTACH, &s->at))
		goto fail;
	s->ctl = mmap(NULL, s->at.ctl_size, PROT_READ | PROT_WRITE,
		      MAP_SHARED, s->fd, 0);
	if (s->ctl == MAP_FAILED)
		goto fail;
	s->data = mmap(NULL, s->at.mmap_size - s->at.ctl_size, PROT_READ,
		       MAP_SHARED, s->fd, s->at.ctl_size);
	if (s->data == MAP_FAILED)
		goto fail;
	if (ioctl(s->fd, KMR_IOC_START))
		goto fail;
	return 0;
fail:
	{
		int e = -errno;

		close(s->fd);
		return e;
	}
}

uint64_t kb_drain(struct kb_session *s)
{
	uint64_t n = 0;
	uint32_t r;

	for (r = 0; r < s->ctl->nr_rings; r++) {
		struct kmr_ring_ctl *rc = &s->ctl->ring[r];
		const uint8_t *base = s->data + r * s->ctl->ring_size;
		uint64_t head = __atomic_load_n(&rc->head, __ATOMIC_ACQUIRE);
		uint64_t tail = rc->tail;

		while (tail < head) {
			const struct kmr_event *e = (const void *)
				(base + (tail & (s->ctl->ring_size - 1)));

			if (e->size < 8)
				break;	/* corrupt: stop, the caller sees lost */
			tail += e->size;
			s->bytes += e->size;
			n += e->kind != KMR_EV_PAD;
		}
		__atomic_store_n(&rc->tail, tail, __ATOMIC_RELEASE);
	}
	s->records += n;
	return n;
}

uint64_t kb_wait_drain(struct kb_session *s, int ms)
{
	struct pollfd p = { .fd = s->fd, .events = POLLIN };

	poll(&p, 1, ms);
	return kb_drain(s);
}

uint64_t kb_lost(const struct kb_session *s)
{
	uint64_t lost = 0;
	uint32_t r;

	for (r = 0; r < s->ctl->nr_rings; r++)
		lost += __atomic_load_n(&s->ctl->ring[r].lost, __ATOMIC_RELAXED);
	return lost;
}

void kb_close(struct kb_session *s)
{
	munmap((void *)s->data, s->at.mmap_size - s->at.ctl_size);
	munmap(s->ctl, s->at.ctl_size);
	close(s->fd);
}
