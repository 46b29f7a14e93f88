// SPDX-License-Identifier: GPL-2.0
/*
 * Snapshots: SNAPSHOT_BEGIN, one VMA window over the traced range, the
 * non-none entries of the range as KMR_EV_PTE runs (cause SNAPSHOT), and
 * SNAPSHOT_END with the counts, all under the target's mmap_read_lock.
 * The PTE walk stays inside the VMAs found under it (pgwalk.h).
 *
 * Live hooks keep running meanwhile: each page table is read under its lock
 * and each record numbered under it, so for every page the snapshot and
 * the live records are ordered by seq.  Userspace clears the traced range's
 * PTE state at SNAPSHOT_BEGIN and applies everything in seq order.
 *
 * Snapshots run in process context (the START ioctl, the resync work, the
 * exec'ing task) and may be far larger than the rings (256 MiB of touched
 * memory is 65536 entries), so instead of dropping they wait for the
 * consumer, who drains from another thread.  The wait gives up when the
 * consumer makes no progress for KMR_SNAP_STALL_MS, on a signal, or when the
 * session is being stopped; the rest of the snapshot then drops and counts
 * like any producer, and a resync follows.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/sched/signal.h>
#include <linux/jiffies.h>
#include "emit.h"

#define KMR_SNAP_STALL_MS	10000
/* Room for the largest record plus a LOST record, padding and the slack. */
#define KMR_SNAP_ROOM		(KMR_REC_MAX + 2 * KMR_RING_SLACK)

static bool kmr_room_here(struct kmr_session *s)
{
	return kmr_ring_free_here(s) >= KMR_SNAP_ROOM;
}

/* Every ring at most half full: the consumer has caught up. */
static bool kmr_caught_up(struct kmr_session *s)
{
	return kmr_ring_max_used(s) <= s->ring_size / 2;
}

/*
 * Sleep until @ready, giving up after KMR_SNAP_STALL_MS without consumer
 * progress, on a signal, or when the session is being stopped.
 */
static int kmr_wait_consumer(struct kmr_session *s,
			     bool (*ready)(struct kmr_session *s))
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KMR_SNAP_STALL_MS);
	u64 consumed = kmr_ring_consumed(s), now;
	int ret = 0;

	might_sleep();
	kmr_ring_kick(s);
	while (!ready(s)) {
		if (test_bit(KMR_SF_STOPPING, &s->flags) ||
		    signal_pending(current)) {
			ret = -EINTR;
			break;
		}
		if (time_after(jiffies, deadline)) {
			ret = -ETIMEDOUT;
			break;
		}
		schedule_timeout_interruptible(1);
		now = kmr_ring_consumed(s);
		if (now != consumed) {
			consumed = now;
			deadline = jiffies + msecs_to_jiffies(KMR_SNAP_STALL_MS);
		}
	}
	return ret;
}

int kmr_emit_wait(struct kmr_emit_ctx *ec)
{
	int ret = kmr_wait_consumer(ec->s, kmr_room_here);

	if (ret)
		ec->rflags &= ~KMR_RSV_NODROP;
	return ret;
}

int kmr_snapshot_wait_caught_up(struct kmr_session *s)
{
	return kmr_wait_consumer(s, kmr_caught_up);
}

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
	e->pid = s->tgid;
	e->nr_vmas = ec->vmas;
	e->nr_ptes = ec->present;
	kmr_commit(s, &r);
}

static void kmr_snap_ptes(struct kmr_emit_ctx *ec, struct mm_struct *mm)
{
	unsigned long addr = ec->s->start, next;
	int ret;

	ec->cause = KMR_PTE_CAUSE_SNAPSHOT;
	for (;;) {
		ret = kmr_pte_emit_range(ec, mm, addr, ec->s->end, &next,
					 KMR_PGW_MAY_SLEEP | KMR_PGW_IN_VMAS);
		if (ret != -EAGAIN)
			return;	/* done, dropped (counted) or walk error */
		kmr_emit_wait(ec);
		addr = next;
	}
}

int kmr_snapshot(struct kmr_session *s, struct mm_struct *mm,
		 enum kmr_snapshot_cause cause, bool publish)
{
	struct kmr_emit_ctx ec = { .s = s, .rflags = KMR_RSV_NODROP };
	int ret;

	lockdep_assert_held(&s->lock);
	ret = mmap_read_lock_killable(mm);
	if (ret)
		return ret;

	/* Every loss so far is reported before the state is read again. */
	kmr_ring_flush_lost(s);
	kmr_snap_mark(&ec, KMR_EV_SNAPSHOT_BEGIN, cause);
	if (publish) {
		ret = kmr_targets_add(s);
		if (ret)
			goto end;
	}
	if (s->event_mask & KMR_MASK_VMA) {
		ec.cause = KMR_VMA_CAUSE_SNAPSHOT;
		kmr_vma_window(&ec, mm, s->start, s->end);
	}
	if (s->event_mask & KMR_MASK_PTE)
		kmr_snap_ptes(&ec, mm);
end:
	kmr_snap_mark(&ec, KMR_EV_SNAPSHOT_END, cause);
	mmap_read_unlock(mm);
	kmr_ring_kick(s);
	return ret;
}
