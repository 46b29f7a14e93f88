/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ring side of a /dev/kmemrec session for the C programs that run in
 * the guest (tests/guest/progs, bench/kernel): map a session's control
 * area and rings, read one ring's records with every header checked, give
 * the space back.  What the readers do with the records (merge by seq,
 * model the target, count) stays theirs.  The protocol:
 * docs/ring-protocol.md.  Independent of format/ and recorder/ on purpose:
 * these programs check the module with nothing of ours in between.
 */
#ifndef KRING_H
#define KRING_H

#include <stdint.h>
#include <kmemrec/abi.h>

/*
 * Map the session @fd's control area (read-write) and rings (read-only),
 * as ATTACH described them in @at.  Returns 0, or -errno with nothing
 * mapped.
 */
int kring_map(int fd, const struct kmr_attach *at, struct kmr_ctl **ctl,
	      const uint8_t **data);
void kring_unmap(const struct kmr_attach *at, struct kmr_ctl *ctl,
		 const uint8_t *data);

/* Ring @r's head: every record before it is written. */
static inline uint64_t kring_head(const struct kmr_ctl *ctl, uint32_t r)
{
	return __atomic_load_n(&ctl->ring[r].head, __ATOMIC_ACQUIRE);
}

/* Give ring @r's space before @pos back to the module. */
static inline void kring_release(struct kmr_ctl *ctl, uint32_t r,
				 uint64_t pos)
{
	__atomic_store_n(&ctl->ring[r].tail, pos, __ATOMIC_RELEASE);
}

/* The record at position @pos of ring @r, unchecked (see kring_record()). */
static inline const struct kmr_event *kring_at(const struct kmr_ctl *ctl,
					       const uint8_t *data, uint32_t r,
					       uint64_t pos)
{
	return (const struct kmr_event *)(data + r * ctl->ring_size +
					  (pos & (ctl->ring_size - 1)));
}

/*
 * The record at position @pos of ring @r, where @pos < @head (from
 * kring_head()).  NULL if the ring is malformed there (*@why says how):
 * more than a ring's worth unread, a size not a multiple of 8 or too small
 * for its kind, a record past the head or crossing the ring's end, an
 * unknown kind.  PAD records are returned too: the reader skips them.
 */
const struct kmr_event *kring_record(const struct kmr_ctl *ctl,
				     const uint8_t *data, uint32_t r,
				     uint64_t pos, uint64_t head,
				     const char **why);

/* Records the module dropped so far, all rings. */
uint64_t kring_lost(const struct kmr_ctl *ctl);

/*
 * Bytes a PTE record of its @nr and flags takes: the entries, and the
 * fault it carries with KMR_PTE_F_FAULT (abi.h, ABI 3).
 */
static inline uint64_t kring_pte_size(const struct kmr_ev_pte *p)
{
	return sizeof(*p) + 8ull * p->nr +
	       ((p->h.flags & KMR_PTE_F_FAULT) ? sizeof(struct kmr_fault_info) : 0);
}

/*
 * The fault a record reports: a KMR_EV_FAULT, or a KMR_EV_PTE that carries
 * the fault which set its entry (KMR_PTE_F_FAULT).  NULL for any other
 * record, or one whose size does not hold it.  Each fault is reported by
 * exactly one record, either kind.
 */
static inline const struct kmr_fault_info *kring_fault(const struct kmr_event *e)
{
	const struct kmr_ev_pte *p = (const void *)e;

	/* struct kmr_ev_fault is the header and then kmr_fault_info */
	_Static_assert(sizeof(struct kmr_ev_fault) ==
		       sizeof(struct kmr_event) + sizeof(struct kmr_fault_info),
		       "kmr_ev_fault layout");
	if (e->kind == KMR_EV_FAULT && e->size >= sizeof(struct kmr_ev_fault))
		return (const void *)(e + 1);
	if (e->kind == KMR_EV_PTE && (e->flags & KMR_PTE_F_FAULT) &&
	    e->size >= sizeof(*p) && e->size >= kring_pte_size(p))
		return (const void *)&p->entry[p->nr];
	return NULL;
}

#endif /* KRING_H */
