// SPDX-License-Identifier: GPL-2.0
/* See kb_session.h. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kb_session.h"
#include "kring.h"

int kb_open(struct kb_session *s, int pid, uint64_t mask, uint64_t ring_size,
	    uint64_t watermark)
{
	int e;

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
	e = kring_map(s->fd, &s->at, &s->ctl, &s->data);
	if (e)
		goto fail_errno;
	if (ioctl(s->fd, KMR_IOC_START)) {
		e = -errno;
		kring_unmap(&s->at, s->ctl, s->data);
		goto fail_errno;
	}
	return 0;
fail:
	e = -errno;
fail_errno:
	close(s->fd);
	return e;
}

uint64_t kb_drain(struct kb_session *s)
{
	uint64_t n = 0;
	uint32_t r;

	for (r = 0; r < s->ctl->nr_rings; r++) {
		const uint8_t *base = s->data + r * s->ctl->ring_size;
		uint64_t head = kring_head(s->ctl, r);
		uint64_t tail = s->ctl->ring[r].tail;

		/*
		 * Size and kind only, not kring_record()'s checks: the
		 * figures include this loop (the guest tests check the
		 * records).
		 */
		while (tail < head) {
			const struct kmr_event *e = (const void *)
				(base + (tail & (s->ctl->ring_size - 1)));

			if (e->size < 8)
				break;	/* corrupt: stop, the caller sees lost */
			tail += e->size;
			s->bytes += e->size;
			n += e->kind != KMR_EV_PAD;
		}
		kring_release(s->ctl, r, tail);
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
	return kring_lost(s->ctl);
}

void kb_close(struct kb_session *s)
{
	kring_unmap(&s->at, s->ctl, s->data);
	close(s->fd);
}
