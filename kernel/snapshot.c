// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: SNAPSHOT_BEGIN, the VMAs of the traced range as VMA windows,
 * the non-none entries of the range as KMR_EV_PTE runs (cause SNAPSHOT),
 * and SNAPSHOT_END with the counts.
 *
 * Live hooks keep running meanwhile: each page table is read under its lock
 * and each record numbered under it, so for every page the snapshot and
 * the live records are ordered by seq.  Userspace clears the traced range's
 * PTE state at SNAPSHOT_BEGIN and applies everything in seq order.
 *
 * Snapshots run in process context (the START ioctl, the resync work, the
 * exec'ing task) and may be far larger than the rings (256 MiB of touched
 * memory is 65536 entries), so instead of dropping they wait for the
 * consumer, who drains from another thread.  The wait (ring.c,
 * kmr_ring_wait_room()) gives up when the consumer makes no progress for
 * 10 s, on a signal, or when the session is being stopped; the rest of
 * the snapshot then drops and counts like any producer, and a resync
 * follows.
 *
 * The target's mmap_lock is never held while waiting: the consumer's tail is
 * written by userspace, and a recorder that stops reading must not stop the
 * target's mmap, munmap or faults.  So the lock is taken in pieces:
 *  - a VMA window says "these are all the VMAs of [start, end)", which is
 *    only true under one hold of the lock.  Each hold sends one window of
 *    at most as many VMAs as half a ring surely holds, after waiting
 *    (unlocked) until every ring is at most half full; under the lock the
 *    window never waits: if live records filled the ring meanwhile, its
 *    records drop (counted, LOST, resync) instead.  The windows tile the
 *    traced range, so together they replace every VMA in it.
 *  - the PTEs are walked inside the VMAs found under the lock (pgwalk.h);
 *    when a record does not fit, the walk stops at that address, the lock
 *    is dropped, the consumer waited for, and the walk goes on from there
 *    under the lock taken again.
 * Going on after a gap is exact for the same reason live records mix with
 * the snapshot: every record states what its page table held at its seq
 * (read under the table's lock), and whatever changed a page table while
 * the lock was dropped was reported by the hooks under that table's lock,
 * with a seq between BEGIN and our later record.  A VMA that went away
 * meanwhile was reported (window, PTE_UNMAP) and is simply not walked;
 * one that appeared is walked when the walk reaches it.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include "emit.h"

/* The largest VMA record (the name cut at KMR_NAME_MAX). */
#define KMR_SNAP_VMA_MAX	(sizeof(struct kmr_ev_vma) + \
				 ALIGN(KMR_NAME_MAX + 1, KMR_EV_ALIGN))

static void kmr_snap_mark(struct kmr_emit_ctx *ec, unsigned int kind,
			  enum kmr_snapshot_cause cause)
{
	struct kmr_session *s = ec->s;
	struct kmr_ev_snapshot *e;
	struct kmr_rsv r;

	e = kmr_emit_reserve(ec, &r, kind, sizeof(*e), cause);
	if (!e)
		return;
	e->start = s->start;
	e->end = s->end;
	e->pid = s->tgid_vnr;
	e->nr_vmas = ec->vmas;
	e->nr_ptes = ec->present;
	kmr_commit(s, &r);
}

/*
 * End of the next VMA window from @addr: after at most @max VMAs, at the
 * start of the first VMA left out (or the end of the traced range).
 */
static unsigned long kmr_snap_window_end(struct mm_struct *mm,
					 unsigned long addr, unsigned long end,
					 unsigned long max)
{
	VMA_ITERATOR(vmi, mm, addr);
	struct vm_area_struct *vma;
	unsigned long n = 0;

	for_each_vma_range(vmi, vma, end) {
		if (n++ == max)
			return vma->vm_start;	/* > addr: max >= 1 */
	}
	return end;
}

/* VMA windows tiling the traced range, each under one hold of the lock. */
static int kmr_snap_vmas(struct kmr_emit_ctx *ec, struct mm_struct *mm)
{
	struct kmr_session *s = ec->s;
	/* Half a ring, less the slack and a padding record at its end. */
	u64 room = s->ring_size / 2 - KMR_RING_SLACK - KMR_REC_MAX;
	unsigned long addr = s->start, wend, max;
	unsigned int rflags = ec->rflags;
	long ret;

	ec->cause = KMR_VMA_CAUSE_SNAPSHOT;
	while (addr < s->end) {
		max = ULONG_MAX;
		if (ec->rflags & KMR_RSV_NODROP) {
			if (kmr_ring_wait_caught_up(s))
				ec->rflags &= ~KMR_RSV_NODROP;
			else
				max = max_t(u64, 1, (room -
					sizeof(struct kmr_ev_vma_sync)) /
					KMR_SNAP_VMA_MAX);
		}
		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		wend = kmr_snap_window_end(mm, addr, s->end, max);
		/* Never waits under the lock: a record that does not fit drops. */
		rflags = ec->rflags;
		ec->rflags &= ~KMR_RSV_NODROP;
		ret = kmr_vma_window(ec, mm, addr, wend);
		ec->rflags = rflags;
		mmap_read_unlock(mm);
		if (ret < 0)
			return 0;	/* dropped: counted, a resync follows */
		addr = wend;
	}
	return 0;
}

/*
 * The PTEs of the traced range, inside its VMAs, with the lock held; it is
 * dropped to wait for ring space and the walk goes on where it stopped.
 */
static int kmr_snap_ptes(struct kmr_emit_ctx *ec, struct mm_struct *mm)
{
	unsigned long addr = ec->s->start, next;
	int ret;

	ec->cause = KMR_PTE_CAUSE_SNAPSHOT;
	for (;;) {
		ret = mmap_read_lock_killable(mm);
		if (ret)
			return ret;
		ret = kmr_pte_emit_range(ec, mm, addr, ec->s->end, &next,
					 KMR_PGW_MAY_SLEEP | KMR_PGW_IN_VMAS);
		mmap_read_unlock(mm);
		if (ret != -EAGAIN)
			return 0;	/* done, dropped (counted) or walk error */
		kmr_emit_wait(ec);
		addr = next;
	}
}

int kmr_snapshot(struct kmr_session *s, struct mm_struct *mm,
		 enum kmr_snapshot_cause cause, bool publish)
{
	struct kmr_emit_ctx ec = { .s = s, .rflags = KMR_RSV_NODROP };
	int ret = 0;

	lockdep_assert_held(&s->lock);
	/* Every loss so far is reported before the state is read again. */
	kmr_ring_flush_lost(s);
	kmr_snap_mark(&ec, KMR_EV_SNAPSHOT_BEGIN, cause);
	if (publish) {
		ret = kmr_targets_add(s);
		if (ret)
			goto end;
	}
	if (s->event_mask & KMR_MASK_VMA)
		ret = kmr_snap_vmas(&ec, mm);
	if (!ret && (s->event_mask & KMR_MASK_PTE))
		ret = kmr_snap_ptes(&ec, mm);
	if (ret) {
		/*
		 * A fatal signal while waiting for mmap_lock: the session is
		 * live, and what the snapshot did not read is lost (the
		 * consumer learns it, a resync repairs it).
		 */
		kmr_ring_drop(s, KMR_EV_SNAPSHOT_BEGIN);
		ret = 0;
	}
end:
	kmr_snap_mark(&ec, KMR_EV_SNAPSHOT_END, cause);
	kmr_ring_kick(s);
	return ret;
}
