// SPDX-License-Identifier: GPL-2.0
/*
 * --lossless: hold the target's threads instead of dropping their records
 * (KMR_ATTACH_F_LOSSLESS in abi.h).
 *
 * A producer never waits: hooks run in faults, under page-table locks and
 * mmap_lock.  When a commit leaves a ring above @hold_high (or a record of
 * a thread that can be held is dropped), kmr_hold_request() queues a
 * task_work (TWA_RESUME) on the current thread, once per thread: on its way
 * back to user space, with no lock held, it sleeps until every ring is at
 * most @hold_low full.  The target's records stop at @hold_reserve below
 * the ring's end, so the records of tasks that cannot be held (kernel
 * threads on the target's mm, remote access) still fit while the target is
 * being slowed down.
 *
 * The wait ends at once when the session stops (kmr_session_stopping():
 * STOP, DETACH, close of a killed recorder, the target's exit), on any
 * signal (it is then handled: a SIGKILLed target dies at once, a stopped
 * one stops; the next record above the mark holds the thread again), and
 * is skipped in an exiting task.  The consumer's tail is written by
 * userspace without a system call, so the sleep rechecks every
 * KMR_HOLD_POLL_US; poll() and the session's end wake it sooner.
 *
 * Lifetime: a queued hold holds a session reference (the session may end
 * and its file close before the task returns to user space) and a module
 * reference (the callback is module text: rmmod is refused until it ran).
 * It is on @holds from the request until its callback's end, which is how
 * a thread is held once, not once per record.  After the callback's
 * module_put() a few instructions of it are still to run:
 * kmr_hold_drain() waits for them at module exit, as kmr_proc_drain()
 * does for exec's task_work.
 */
#include <linux/hrtimer.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/preempt.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include "session.h"
#include "ring.h"

#define KMR_HOLD_POLL_US	1000

struct kmr_hold {
	struct callback_head cb;
	struct list_head node;		/* in s->holds */
	struct task_struct *task;	/* compared only */
	struct kmr_session *s;		/* a reference */
};

/* Some hold task_work ran since load: module exit waits for its return. */
static bool kmr_hold_ran;

void kmr_hold_init(struct kmr_session *s)
{
	raw_spin_lock_init(&s->hold_lock);
	INIT_LIST_HEAD(&s->holds);
	init_waitqueue_head(&s->hold_wq);
}

/* The held thread may go: the recorder caught up, or it is gone. */
static bool kmr_hold_over(struct kmr_session *s)
{
	return test_bit(KMR_SF_STOPPING, &s->flags) ||
	       kmr_ring_max_used(s) <= s->hold_low;
}

static void kmr_hold_wait(struct kmr_session *s)
{
	u64 t0;

	if (kmr_hold_over(s))
		return;
	t0 = ktime_get_mono_fast_ns();
	/* the reader may be asleep below its own watermark: wake it */
	kmr_ring_kick(s);
	while (!kmr_hold_over(s) && !signal_pending(current))
		wait_event_interruptible_hrtimeout(s->hold_wq,
						   kmr_hold_over(s),
						   ns_to_ktime(KMR_HOLD_POLL_US * NSEC_PER_USEC));
	atomic64_add(ktime_get_mono_fast_ns() - t0, &s->held_ns);
	atomic64_inc(&s->held_waits);
}

static void kmr_hold_unlist(struct kmr_hold *h)
{
	struct kmr_session *s = h->s;
	unsigned long flags;

	raw_spin_lock_irqsave(&s->hold_lock, flags);
	list_del(&h->node);
	raw_spin_unlock_irqrestore(&s->hold_lock, flags);
}

/* In the held thread, on its way back to user space (or in its exit). */
static void kmr_hold_fn(struct callback_head *cb)
{
	struct kmr_hold *h = container_of(cb, struct kmr_hold, cb);
	struct kmr_session *s = h->s;

	if (!(current->flags & PF_EXITING))
		kmr_hold_wait(s);
	kmr_hold_unlist(h);
	kmr_session_put(s);
	kfree(h);
	WRITE_ONCE(kmr_hold_ran, true);
	/* the last thing: kmr_hold_drain() waits for our return */
	module_put(THIS_MODULE);
}

/* The current task has a hold queued on @s. */
static bool kmr_hold_queued(struct kmr_session *s)
{
	struct kmr_hold *h;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&s->hold_lock, flags);
	list_for_each_entry(h, &s->holds, node) {
		if (h->task == current) {
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&s->hold_lock, flags);
	return found;
}

static void kmr_hold_request(struct kmr_session *s)
{
	struct kmr_hold *h;
	unsigned long flags;

	/*
	 * Only the current task adds entries for itself, and not from an
	 * interrupt (kmr_ring_holdable()), so nothing adds one between the
	 * lookup and the insertion.
	 */
	if (!kmr_ring_holdable(s) || test_bit(KMR_SF_STOPPING, &s->flags) ||
	    kmr_hold_queued(s))
		return;
	h = kzalloc(sizeof(*h), GFP_ATOMIC | __GFP_NOWARN);
	if (!h)
		return;		/* the record after the mark asks again */
	/* fails only while the module is going: no session is left then */
	if (!try_module_get(THIS_MODULE)) {
		kfree(h);
		return;
	}
	h->task = current;
	h->s = s;
	/* the caller's RCU section or session lock keeps @s alive */
	kmr_session_get(s);
	init_task_work(&h->cb, kmr_hold_fn);
	raw_spin_lock_irqsave(&s->hold_lock, flags);
	list_add(&h->node, &s->holds);
	raw_spin_unlock_irqrestore(&s->hold_lock, flags);
	if (task_work_add(current, &h->cb, TWA_RESUME)) {
		/* exiting after exit_task_work(): nothing to hold */
		kmr_hold_unlist(h);
		kmr_session_put(s);
		kfree(h);
		module_put(THIS_MODULE);
	}
}

void kmr_hold_setup(struct kmr_session *s)
{
	u64 eighth = s->ring_size / 8;

	s->hold_high = KMR_HOLD_HIGH_8THS * eighth;
	s->hold_low = KMR_HOLD_LOW_8THS * eighth;
	s->hold_reserve = KMR_HOLD_RESERVE_8THS * eighth;
	/* the ring calls up to us only through this (architecture.md) */
	s->hold_request = kmr_hold_request;
	s->lossless = true;
}

void kmr_hold_wake(struct kmr_session *s)
{
	if (s->lossless && wq_has_sleeper(&s->hold_wq))
		wake_up_all(&s->hold_wq);
}

void kmr_hold_drain(void)
{
	/*
	 * Module exit runs once no hold holds a module reference, but a task
	 * may still be in the last instructions of kmr_hold_fn() after its
	 * module_put(): an RCU-tasks grace period waits for every task to
	 * pass a voluntary context switch or user mode.
	 */
	if (READ_ONCE(kmr_hold_ran))
		synchronize_rcu_tasks();
}
