/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Per-CPU rings of a session: one vmalloc_user() area holding the control
 * area (struct kmr_ctl + one struct kmr_ring_ctl per ring, page aligned)
 * followed by nr_rings rings of ring_size bytes.  abi.h documents the
 * layout and the head/tail protocol seen from userspace.
 */
#ifndef _KMR_RING_H
#define _KMR_RING_H

#include <linux/types.h>
#include <linux/atomic.h>
#include "kmemrec.h"

/*
 * Producer state of one ring.  It lives in kernel memory: everything in the
 * control area is writable by userspace, so the kernel never reads back
 * anything there except @tail, which it clamps.
 */
struct kmr_cpu_ring {
	struct kmr_ring_ctl *ctl;	/* this ring's part of the control area */
	char *data;
	u64 head;			/* authoritative head */
	u64 events;
	u64 lost_total;
	/* Drops not yet reported by a KMR_EV_LOST record. */
	u64 lost_count;
	u64 lost_kinds;
	u64 lost_first_ns;
	u64 lost_last_ns;
	/*
	 * Drops by a producer that interrupted another one on this CPU (an
	 * NMI: IRQs are off while a record is reserved).  Atomic because the
	 * interrupted producer folds them into lost_* itself.
	 */
	atomic64_t nested_count;
	atomic64_t nested_first_ns;
	atomic64_t nested_last_ns;
	unsigned long nested_kinds;
	/* --lossless: drops of records no thread could be held for */
	u64 lost_other;
	int busy;			/* a producer is between reserve and commit */
	/*
	 * The session's counters (vmastat.c), this CPU's share: one shared
	 * atomic per fault would be a cache line every faulting CPU writes.
	 */
	u64 faults, major_faults, cow, mem_writes;
};

/*
 * Kept free by every ordinary record: the last half for KMR_EV_EXIT (and a
 * LOST and padding in front of it), the first half for the LOST records
 * kmr_ring_flush_lost() emits, so that neither can fail on a full ring.
 */
#define KMR_RING_SLACK		512u

/* kmr_reserve_flags() flags. */
#define KMR_RSV_NODROP		BIT(0)	/* on failure: no drop counted */
#define KMR_RSV_LAST		BIT(1)	/* may use KMR_RING_SLACK */
#define KMR_RSV_LOST_ONLY	BIT(2)	/* size 0: only a pending LOST, if any */

int kmr_ring_alloc(struct kmr_session *s, u64 ring_size, u64 watermark);
void kmr_ring_free(struct kmr_session *s);

void *kmr_reserve_flags(struct kmr_session *s, struct kmr_rsv *r,
			unsigned int kind, unsigned int size, u32 flags,
			unsigned int rflags);

/*
 * One KMR_EV_PTE record of the page at @vaddr (entry @entry, as the
 * session shows it) with the fault @f inside (KMR_PTE_F_FAULT), cause in
 * @flags.  False when the ring had no room (counted as a drop).
 */
bool kmr_ring_put_pte_fault(struct kmr_session *s, unsigned long vaddr,
			    u64 entry, u32 flags,
			    const struct kmr_fault_info *f);

/*
 * One KMR_EV_COW record: the fields as kmr_emit_cow() has made them for
 * the session.  False when the ring had no room (counted as a drop).
 */
bool kmr_ring_put_cow(struct kmr_session *s, unsigned long vaddr,
		      u64 old_pfn, u64 new_pfn, u32 tid, u32 cow_flags);

/*
 * Count a record of @kind as dropped on this CPU's ring, as a full ring
 * would (reported by a KMR_EV_LOST, a resync follows): for a producer that
 * cannot read the state it should report.  Any context but NMI.
 */
void kmr_ring_drop(struct kmr_session *s, unsigned int kind);

/*
 * Emit every ring's pending KMR_EV_LOST now (each online CPU's on that CPU,
 * through an IPI; offline CPUs' from here), so that no loss goes unreported
 * when the stream ends or before a resync.  True when nothing is left
 * unreported (a ring that is still full keeps its report for its next
 * record).  Process context; takes cpus_read_lock().
 */
bool kmr_ring_flush_lost(struct kmr_session *s);
/* Any ring holds unread records. */
bool kmr_ring_has_data(struct kmr_session *s);
/* Free bytes in the ring of the CPU we run on now (a hint: we may move). */
u64 kmr_ring_free_here(struct kmr_session *s);
/* Bytes unread in the fullest ring. */
u64 kmr_ring_max_used(struct kmr_session *s);
/* Sum of tails: grows whenever the consumer makes progress. */
u64 kmr_ring_consumed(struct kmr_session *s);
/* Records written and dropped, all rings (KMR_IOC_STATS). */
void kmr_ring_totals(struct kmr_session *s, u64 *events, u64 *lost);
/*
 * --lossless: the current task may be held for @s (a thread of the
 * session's mm, in task context, not a kernel thread, io_uring worker or
 * exiting task).  Past the high mark (or on a drop) of such a writer the
 * ring calls @s->hold_request, which the session installed (hold.c).
 */
bool kmr_ring_holdable(const struct kmr_session *s);
/* --lossless: records dropped that no thread could be held for. */
u64 kmr_ring_lost_other(struct kmr_session *s);
/* Wake poll() (and queue a wanted resync) from any context, NMI included. */
void kmr_ring_kick(struct kmr_session *s);
/*
 * Process context, may sleep: wait until the ring of the CPU we run on has
 * room for any record (_room), or until every ring is at most half full
 * (_caught_up).  0, or -EINTR (signal, session stopping) or -ETIMEDOUT (no
 * consumer progress for 10 s).
 */
int kmr_ring_wait_room(struct kmr_session *s);
int kmr_ring_wait_caught_up(struct kmr_session *s);

int kmr_ring_mmap(struct kmr_session *s, struct vm_area_struct *vma);

#endif /* _KMR_RING_H */
