// SPDX-License-Identifier: GPL-2.0
/* See kring.h. */
#include <errno.h>
#include <stddef.h>
#include <sys/mman.h>
#include "kring.h"

int kring_map(int fd, const struct kmr_attach *at, struct kmr_ctl **ctl,
	      const uint8_t **data)
{
	void *c, *d;

	c = mmap(NULL, at->ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (c == MAP_FAILED)
		return -errno;
	d = mmap(NULL, at->mmap_size - at->ctl_size, PROT_READ, MAP_SHARED,
		 fd, at->ctl_size);
	if (d == MAP_FAILED) {
		int e = -errno;

		munmap(c, at->ctl_size);
		return e;
	}
	*ctl = c;
	*data = d;
	return 0;
}

void kring_unmap(const struct kmr_attach *at, struct kmr_ctl *ctl,
		 const uint8_t *data)
{
	if (data)
		munmap((void *)data, at->mmap_size - at->ctl_size);
	if (ctl)
		munmap(ctl, at->ctl_size);
}

const struct kmr_event *kring_record(const struct kmr_ctl *ctl,
				     const uint8_t *data, uint32_t r,
				     uint64_t pos, uint64_t head,
				     const char **why)
{
	uint64_t rs = ctl->ring_size, off = pos & (rs - 1);
	const struct kmr_event *ev = kring_at(ctl, data, r, pos);

	if (head - pos > rs)
		*why = "more than a ring's worth unread";
	else if (ev->size < 8 || ev->size % 8)
		*why = "size not a multiple of 8";
	else if (ev->size > head - pos)
		*why = "record runs past the head";
	else if (off + ev->size > rs)
		*why = "record crosses the ring's end";
	else if (ev->kind >= KMR_EV_NR_KINDS)
		*why = "unknown kind";
	else if (ev->kind != KMR_EV_PAD && ev->size < sizeof(*ev))
		*why = "record smaller than its header";
	else
		return ev;
	return NULL;
}

uint64_t kring_lost(const struct kmr_ctl *ctl)
{
	uint64_t lost = 0;
	uint32_t r;

	for (r = 0; r < ctl->nr_rings; r++)
		lost += __atomic_load_n(&ctl->ring[r].lost, __ATOMIC_RELAXED);
	return lost;
}
