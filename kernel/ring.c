// SPDX-License-Identifier: GPL-2.0
/*
 * Per-CPU rings: reservation, commit, drop accounting and wakeups.
 *
 * A producer reserves on the ring of the CPU it runs on, with IRQs off and
 * the ring's busy flag set, so only an NMI can interrupt it; an NMI (or any
 * nested producer) finding the flag set drops its record and counts it.
 * No lock is taken.  The session-wide seq is taken only after the space is
 * reserved, so a record that has a seq always reaches a ring and seqs stay
 * dense: userspace merges the rings by always taking last + 1.
 *
 * Records never wrap: a KMR_EV_PAD fills the end of the ring.  A full ring
 * drops the new record; the next record that fits on that ring is preceded
 * by a KMR_EV_LOST saying how many records of which kinds were dropped and
 * when, which positions the gap exactly in seq order.  The head is published
 * with release semantics; the tail is read with acquire semantics and
 * clamped, since userspace writes it.
 */
#include <linux/vmalloc.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/mm.h>
#include <linux/overflow.h>
#include <linux/timekeeping.h>
#include <linux/smp.h>
#include <linux/cpu.h>
#include <linux/jiffies.h>
#include <linux/sched/signal.h>
#include "session.h"
#include "ring.h"

/*
 * Ring memory is pinned kernel memory that userspace sizes: it counts
 * against a cap shared by all sessions, and is charged to the memory
 * cgroup of the process that attaches.
 */
static unsigned long ring_mem_max_mb;
module_param(ring_mem_max_mb, ulong, 0644);
MODULE_PARM_DESC(ring_mem_max_mb,
		 "ring memory of all sessions together, MiB (0: a quarter of RAM)");

static atomic64_t kmr_ring_mem = ATOMIC64_INIT(0);

static u64 kmr_ring_mem_cap(void)
{
	u64 mb = READ_ONCE(ring_mem_max_mb);

	if (mb)
		return mb << 20;
	return ((u64)totalram_pages() << PAGE_SHIFT) / 4;
}

/*
 * Zeroed, charged to the caller's memcg (vmalloc_user() is not), failing
 * rather than invoking the OOM killer, and without a warning in the log:
 * the size comes from userspace.  Mapped page by page (ring_mmap.c), so it
 * needs no VM_USERMAP.
 */
#define KMR_RING_GFP	(GFP_KERNEL_ACCOUNT | __GFP_ZERO | __GFP_NOWARN | \
			 __GFP_RETRY_MAYFAIL)

int kmr_ring_alloc(struct kmr_session *s, u64 ring_size, u64 watermark)
{
	u32 nr = nr_cpu_ids;
	u64 ctl_size, total;
	int cpu;

	ctl_size = PAGE_ALIGN(struct_size(s->ctl, ring, nr));
	if (check_mul_overflow(ring_size, (u64)nr, &total) ||
	    check_add_overflow(total, ctl_size, &total))
		return -ENOSPC;
	if (atomic64_add_return(total, &kmr_ring_mem) > kmr_ring_mem_cap()) {
		atomic64_sub(total, &kmr_ring_mem);
		return -ENOSPC;
	}
	s->buf = __vmalloc(total, KMR_RING_GFP);
	if (!s->buf) {
		atomic64_sub(total, &kmr_ring_mem);
		return -ENOMEM;
	}
	s->mmap_size = total;
	s->cpu = alloc_percpu_gfp(struct kmr_cpu_ring, GFP_KERNEL_ACCOUNT);
	if (!s->cpu) {
		kmr_ring_free(s);
		return -ENOMEM;
	}

	s->ctl = s->buf;
	s->ctl->abi_version = KMR_ABI_VERSION;
	s->ctl->nr_rings = nr;
	s->ctl->ring_size = ring_size;
	s->ctl->data_offset = ctl_size;
	s->ctl->page_size = PAGE_SIZE;
	s->nr_rings = nr;
	s->ring_size = ring_size;
	/*
	 * A ring never holds more than ring_size - KMR_RING_SLACK bytes, and
	 * the record that would cross a higher mark may not fit: keep the
	 * mark where a wakeup can still happen before records drop.
	 */
	s->watermark = min_t(u64, watermark,
			     ring_size - KMR_RING_SLACK - KMR_REC_MAX);
	s->ctl_size = ctl_size;

	for_each_possible_cpu(cpu) {
		struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);

		cr->ctl = &s->ctl->ring[cpu];
		cr->data = (char *)s->buf + ctl_size + cpu * ring_size;
	}
	return 0;
}

void kmr_ring_free(struct kmr_session *s)
{
	free_percpu(s->cpu);
	s->cpu = NULL;
	if (s->buf)
		atomic64_sub(s->mmap_size, &kmr_ring_mem);
	vfree(s->buf);
	s->buf = NULL;
	s->ctl = NULL;
}

/*
 * The first drop of a run asks for a resync (and wakes the reader): the
 * resync work reports the drops of every ring, then re-reads the state.
 */
static void kmr_want_resync(struct kmr_session *s)
{
	set_bit(KMR_SF_RESYNC_WANTED, &s->flags);
	kmr_ring_kick(s);
}

/* A ring-full drop: reported by the next KMR_EV_LOST on this ring. */
bool kmr_ring_holdable(const struct kmr_session *s)
{
	const struct task_struct *t = current;

	return in_task() && t->mm && t->mm == READ_ONCE(s->mm) &&
	       !(t->flags & (PF_KTHREAD | PF_EXITING | PF_IO_WORKER));
}

static void kmr_drop(struct kmr_session *s, struct kmr_cpu_ring *cr,
		     unsigned int kind, u64 now)
{
	/* --lossless: a record no thread could be held for */
	if (unlikely(s->lossless) && !kmr_ring_holdable(s))
		WRITE_ONCE(cr->lost_other, cr->lost_other + 1);
	if (!cr->lost_count) {
		cr->lost_first_ns = now;
		kmr_want_resync(s);
	}
	cr->lost_count++;
	cr->lost_kinds |= BIT_ULL(kind);
	cr->lost_last_ns = now;
	cr->lost_total++;
	WRITE_ONCE(cr->ctl->lost, cr->lost_total);
}

/* A drop by a producer that interrupted another one (NMI). */
static void kmr_drop_nested(struct kmr_session *s, struct kmr_cpu_ring *cr,
			    unsigned int kind, u64 now)
{
	atomic64_cmpxchg(&cr->nested_first_ns, 0, now);
	atomic64_set(&cr->nested_last_ns, now);
	set_bit(kind, &cr->nested_kinds);
	if (atomic64_inc_return(&cr->nested_count) == 1)
		kmr_want_resync(s);	/* irq_work_queue() is NMI-safe */
}

void kmr_ring_drop(struct kmr_session *s, unsigned int kind)
{
	struct kmr_cpu_ring *cr;
	unsigned long irqf;
	u64 now;

	local_irq_save(irqf);
	cr = this_cpu_ptr(s->cpu);
	now = ktime_get_mono_fast_ns();
	if (cr->busy) {
		kmr_drop_nested(s, cr, kind, now);
	} else {
		cr->busy = 1;
		barrier();	/* as in kmr_reserve_flags() */
		kmr_drop(s, cr, kind, now);
		barrier();
		cr->busy = 0;
	}
	local_irq_restore(irqf);
}

void kmr_note_lost(struct kmr_session *s, u64 kinds, u64 count)
{
	struct kmr_cpu_ring *cr;
	unsigned long irqf;
	unsigned int kind;
	u64 now;

	if (!count)
		return;
	/*
	 * The nested producers' path: atomics, folded by the next record on
	 * this CPU's ring.  IRQs off so that no record of this CPU comes
	 * between the time read and the count: the LOST window stays after
	 * the record before it.
	 */
	local_irq_save(irqf);
	cr = this_cpu_ptr(s->cpu);
	now = ktime_get_mono_fast_ns();
	atomic64_cmpxchg(&cr->nested_first_ns, 0, now);
	atomic64_set(&cr->nested_last_ns, now);
	for (kind = 0; kind < KMR_EV_NR_KINDS; kind++)
		if (kinds & BIT_ULL(kind))
			set_bit(kind, &cr->nested_kinds);
	if (atomic64_add_return(count, &cr->nested_count) == count)
		kmr_want_resync(s);
	local_irq_restore(irqf);
}

static noinline void kmr_fold_nested_slow(struct kmr_cpu_ring *cr)
{
	u64 n, first, last;

	n = atomic64_xchg(&cr->nested_count, 0);
	if (!n)
		return;
	first = atomic64_xchg(&cr->nested_first_ns, 0);
	last = atomic64_xchg(&cr->nested_last_ns, 0);
	if (!cr->lost_count || (first && first < cr->lost_first_ns))
		cr->lost_first_ns = first ? first : last;
	if (last > cr->lost_last_ns)
		cr->lost_last_ns = last;
	cr->lost_kinds |= xchg(&cr->nested_kinds, 0);
	cr->lost_count += n;
	cr->lost_total += n;
	WRITE_ONCE(cr->ctl->lost, cr->lost_total);
}

static __always_inline void kmr_fold_nested(struct kmr_cpu_ring *cr)
{
	/*
	 * Read first: the common case (nothing nested) takes no locked
	 * instruction, and no call.  A nested producer that counts after
	 * this read is folded by the next record, as one that counts after
	 * the xchg.
	 */
	if (unlikely(atomic64_read(&cr->nested_count)))
		kmr_fold_nested_slow(cr);
}

static void kmr_put_header(struct kmr_event *ev, unsigned int kind,
			   unsigned int size, u32 flags, u64 seq, u64 now)
{
	ev->kind = kind;
	ev->size = size;
	ev->flags = flags;
	ev->seq = seq;
	ev->time_ns = now;
}

static struct kmr_event *kmr_put_lost(struct kmr_session *s,
				      struct kmr_cpu_ring *cr,
				      struct kmr_event *ev, u64 now,
				      unsigned int rflags)
{
	struct kmr_ev_lost *l = (struct kmr_ev_lost *)ev;

	kmr_put_header(&l->h, KMR_EV_LOST, sizeof(*l), 0,
		       atomic64_inc_return(&s->seq), now);
	l->count = cr->lost_count;
	l->kinds = cr->lost_kinds;
	l->first_ns = cr->lost_first_ns;
	l->last_ns = cr->lost_last_ns;
	cr->lost_count = 0;
	cr->lost_kinds = 0;
	/*
	 * A resync already under way may have read this state before this
	 * LOST got its seq: ask for another one.  Not when the resync itself
	 * (or the end of the session) flushes the LOST records.
	 */
	if (!(rflags & KMR_RSV_LOST_ONLY))
		set_bit(KMR_SF_RESYNC_WANTED, &s->flags);
	return (struct kmr_event *)(l + 1);
}

/*
 * Reserve on the ring of this CPU (@cpu < 0) or, for a flush, of @cpu,
 * which is then offline: no producer runs there (kmr_ring_flush_lost()).
 */
static __always_inline void *
kmr_reserve_ring(struct kmr_session *s, int cpu, struct kmr_rsv *r,
		 unsigned int kind, unsigned int size, u32 flags,
		 unsigned int rflags)
{
	const u64 rsize = s->ring_size;
	struct kmr_cpu_ring *cr;
	struct kmr_event *ev;
	unsigned long irqf;
	u64 now, head, tail, used, off, pad, need, slack;
	u32 lost_sz = 0;
	bool hold = false;

	if (WARN_ON_ONCE((size < sizeof(*ev) && !(rflags & KMR_RSV_LOST_ONLY)) ||
			 size > KMR_REC_MAX || !IS_ALIGNED(size, KMR_EV_ALIGN) ||
			 kind >= KMR_EV_NR_KINDS))
		return NULL;

	local_irq_save(irqf);
	cr = cpu < 0 ? this_cpu_ptr(s->cpu) : per_cpu_ptr(s->cpu, cpu);
	now = ktime_get_mono_fast_ns();
	if (unlikely(cr->busy)) {
		/* A flush has nothing to drop: the interrupted one reports. */
		if (!(rflags & KMR_RSV_LOST_ONLY))
			kmr_drop_nested(s, cr, kind, now);
		local_irq_restore(irqf);
		return NULL;
	}
	cr->busy = 1;
	barrier();	/* busy is seen by an NMI on this CPU before we go on */

	kmr_fold_nested(cr);
	if (unlikely(cr->lost_count))
		lost_sz = sizeof(struct kmr_ev_lost);
	else if (rflags & KMR_RSV_LOST_ONLY)
		goto unbusy;	/* nothing to report on this ring */
	need = lost_sz + size;
	head = cr->head;
	off = head & (rsize - 1);
	pad = off + need > rsize ? rsize - off : 0;
	/* Pairs with the consumer's release store: its reads are done. */
	tail = smp_load_acquire(&cr->ctl->tail);
	used = head - tail;
	if (unlikely(tail > head || used > rsize))
		used = rsize;	/* garbage tail: treat the ring as full */
	slack = (rflags & KMR_RSV_LAST) ? 0 : KMR_RING_SLACK;
	if (rflags & KMR_RSV_LOST_ONLY)
		slack = KMR_RING_SLACK / 2;
	/*
	 * --lossless: a thread that will be held leaves the reserve to the
	 * records of those that cannot be (hold.c).  Snapshots (NODROP) wait
	 * for room themselves; the last records and LOST flushes must fit.
	 */
	if (unlikely(s->lossless) &&
	    !(rflags & (KMR_RSV_LAST | KMR_RSV_LOST_ONLY | KMR_RSV_NODROP)) &&
	    kmr_ring_holdable(s))
		slack += s->hold_reserve;
	if (unlikely(used + pad + need + slack > rsize)) {
		if (!(rflags & (KMR_RSV_NODROP | KMR_RSV_LOST_ONLY))) {
			kmr_drop(s, cr, kind, now);
			hold = s->lossless;
		}
		goto unbusy;
	}

	if (pad) {
		/* PAD: only kind and size count, 8 bytes are enough. */
		ev = (struct kmr_event *)(cr->data + off);
		ev->kind = KMR_EV_PAD;
		ev->size = pad;
		ev->flags = 0;
		off = 0;
	}
	ev = (struct kmr_event *)(cr->data + off);
	r->rec = ev;
	r->ring = cr;
	r->irqflags = irqf;
	r->tail = tail;
	r->total = pad + need;
	r->nrec = !!lost_sz + !!size;
	if (lost_sz)
		ev = kmr_put_lost(s, cr, ev, now, rflags);
	if (size) {
		kmr_put_header(ev, kind, size, flags,
			       atomic64_inc_return(&s->seq), now);
		r->rec = ev;
	}
	return r->rec;

unbusy:
	barrier();	/* drop accounting is done before busy clears */
	cr->busy = 0;
	local_irq_restore(irqf);
	/* --lossless: hold the thread whose record was dropped */
	if (unlikely(hold))
		s->hold_request(s);
	return NULL;
}

void *kmr_reserve_flags(struct kmr_session *s, struct kmr_rsv *r,
			unsigned int kind, unsigned int size, u32 flags,
			unsigned int rflags)
{
	return kmr_reserve_ring(s, -1, r, kind, size, flags, rflags);
}

void *kmr_reserve(struct kmr_session *s, struct kmr_rsv *r, unsigned int kind,
		  unsigned int size, u32 flags)
{
	return kmr_reserve_flags(s, r, kind, size, flags, 0);
}

static __always_inline void kmr_commit_inline(struct kmr_session *s,
					      struct kmr_rsv *r)
{
	struct kmr_cpu_ring *cr = r->ring;
	u64 before = cr->head - r->tail;
	/* Read before publishing: the consumer may reuse the space after. */
	bool lost = r->nrec > 1 ||
		    ((struct kmr_event *)r->rec)->kind == KMR_EV_LOST;
	bool kick;

	WRITE_ONCE(cr->head, cr->head + r->total);
	cr->events += r->nrec;
	/* The record's bytes before the head that exposes them. */
	smp_store_release(&cr->ctl->head, cr->head);
	WRITE_ONCE(cr->ctl->events, cr->events);
	barrier();	/* the record is complete before busy clears */
	cr->busy = 0;
	local_irq_restore(r->irqflags);

	/* Wake on crossing the watermark only, and when a LOST went out. */
	kick = (before < s->watermark && before + r->total >= s->watermark) ||
	       lost;
	if (kick) {
		/*
		 * Advisory while running (abi.h), exact once the stream has
		 * ended (kmr_session_publish_state()).  Written with the
		 * wakeup, not per record: every CPU's records would write
		 * this one shared line.
		 */
		WRITE_ONCE(s->ctl->last_seq, atomic64_read(&s->seq));
		kmr_ring_kick(s);
	}
	/* --lossless: past the high mark, the writer waits (hold.c) */
	if (unlikely(s->lossless) && before + r->total >= s->hold_high)
		s->hold_request(s);
}

void kmr_commit(struct kmr_session *s, struct kmr_rsv *r)
{
	kmr_commit_inline(s, r);
}

/*
 * The commonest record, a traced first touch's PTE with its FAULT inside
 * (pte_emit.c's fast path), reserved and committed here so that the
 * reservation is inline with its size and flags known: the calls and the
 * general checks were ~25 instructions of every traced fault.  False when
 * the ring had no room (the drop is counted, as by kmr_reserve()).
 */
bool kmr_ring_put_pte_fault(struct kmr_session *s, unsigned long vaddr,
			    u64 entry, u32 flags,
			    const struct kmr_fault_info *f)
{
	struct kmr_ev_pte *e;
	struct kmr_rsv r;

	e = kmr_reserve_ring(s, -1, &r, KMR_EV_PTE,
			     sizeof(*e) + sizeof(u64) + sizeof(*f),
			     flags | KMR_PTE_F_FAULT, 0);
	if (!e)
		return false;
	e->vaddr = vaddr;
	e->nr = 1;
	e->shift = PAGE_SHIFT;
	e->entry[0] = entry;
	memcpy(&e->entry[1], f, sizeof(*f));
	kmr_commit_inline(s, &r);
	return true;
}

/*
 * A CoW's record, reserved and committed inline like the first touch's
 * above: every traced CoW fault writes one (through kmr_reserve() the
 * calls and general checks were ~100 instructions of it).
 */
bool kmr_ring_put_cow(struct kmr_session *s, unsigned long vaddr,
		      u64 old_pfn, u64 new_pfn, u32 tid, u32 cow_flags)
{
	struct kmr_ev_cow *e;
	struct kmr_rsv r;

	e = kmr_reserve_ring(s, -1, &r, KMR_EV_COW, sizeof(*e), 0, 0);
	if (!e)
		return false;
	e->vaddr = vaddr;
	e->old_pfn = old_pfn;
	e->new_pfn = new_pfn;
	e->tid = tid;
	e->cow_flags = cow_flags;
	kmr_commit_inline(s, &r);
	return true;
}

static void kmr_ring_flush_ring(struct kmr_session *s, int cpu)
{
	struct kmr_rsv r;

	if (kmr_reserve_ring(s, cpu, &r, KMR_EV_LOST, 0, 0, KMR_RSV_LOST_ONLY))
		kmr_commit(s, &r);
}

static void kmr_ring_flush_cpu(void *arg)
{
	kmr_ring_flush_ring(arg, -1);
}

bool kmr_ring_flush_lost(struct kmr_session *s)
{
	int cpu;

	might_sleep();
	/*
	 * Each online CPU reports its own ring (a producer may be running
	 * there).  An offline CPU runs no producer: it went down between two
	 * of them (reservations are made with IRQs off, which the CPU's
	 * takedown waits for), and cpus_read_lock() keeps it down while its
	 * drops are reported from here.
	 */
	cpus_read_lock();
	on_each_cpu(kmr_ring_flush_cpu, s, 1);
	for_each_possible_cpu(cpu)
		if (!cpu_online(cpu))
			kmr_ring_flush_ring(s, cpu);
	cpus_read_unlock();
	for_each_possible_cpu(cpu) {
		struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);

		if (READ_ONCE(cr->lost_count) ||
		    atomic64_read(&cr->nested_count))
			return false;
	}
	return true;
}

bool kmr_ring_has_data(struct kmr_session *s)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);

		if (READ_ONCE(cr->head) != READ_ONCE(cr->ctl->tail))
			return true;
	}
	return false;
}

u64 kmr_ring_free_here(struct kmr_session *s)
{
	struct kmr_cpu_ring *cr = raw_cpu_ptr(s->cpu);
	u64 head = READ_ONCE(cr->head), tail = READ_ONCE(cr->ctl->tail);
	u64 used = head - tail;

	if (tail > head || used > s->ring_size)
		return 0;
	return s->ring_size - used;
}

u64 kmr_ring_max_used(struct kmr_session *s)
{
	u64 max = 0;
	int cpu;

	for_each_possible_cpu(cpu) {
		struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);
		u64 head = READ_ONCE(cr->head), tail = READ_ONCE(cr->ctl->tail);
		u64 used = head - tail;

		if (tail > head || used > s->ring_size)
			used = s->ring_size;
		max = max(max, used);
	}
	return max;
}

u64 kmr_ring_consumed(struct kmr_session *s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->ctl->tail);
	return sum;
}

void kmr_ring_totals(struct kmr_session *s, u64 *events, u64 *lost)
{
	int cpu;

	*events = 0;
	*lost = 0;
	for_each_possible_cpu(cpu) {
		struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);

		*events += READ_ONCE(cr->events);
		*lost += READ_ONCE(cr->lost_total) +
			 atomic64_read(&cr->nested_count);
	}
}

u64 kmr_ring_lost_other(struct kmr_session *s)
{
	u64 sum = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(s->cpu, cpu)->lost_other);
	return sum;
}

void kmr_ring_kick(struct kmr_session *s)
{
	irq_work_queue(&s->wake_work);
}

/*
 * Waiting for the consumer, for producers in process context that would
 * rather wait than drop (snapshots, KMR_RSV_NODROP).
 */
#define KMR_WAIT_STALL_MS	10000
/* Room for the largest record plus a LOST record, padding and the slack. */
#define KMR_WAIT_ROOM		(KMR_REC_MAX + 2 * KMR_RING_SLACK)

static bool kmr_room_here(struct kmr_session *s)
{
	return kmr_ring_free_here(s) >= KMR_WAIT_ROOM;
}

/* Every ring at most half full: the consumer has caught up. */
static bool kmr_caught_up(struct kmr_session *s)
{
	return kmr_ring_max_used(s) <= s->ring_size / 2;
}

/*
 * Sleep until @ready, giving up after KMR_WAIT_STALL_MS without consumer
 * progress, on a signal, or when the session is being stopped.
 */
static int kmr_wait_consumer(struct kmr_session *s,
			     bool (*ready)(struct kmr_session *s))
{
	unsigned long deadline = jiffies + msecs_to_jiffies(KMR_WAIT_STALL_MS);
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
			deadline = jiffies + msecs_to_jiffies(KMR_WAIT_STALL_MS);
		}
	}
	return ret;
}

int kmr_ring_wait_room(struct kmr_session *s)
{
	return kmr_wait_consumer(s, kmr_room_here);
}

int kmr_ring_wait_caught_up(struct kmr_session *s)
{
	return kmr_wait_consumer(s, kmr_caught_up);
}
