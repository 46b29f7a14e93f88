// SPDX-License-Identifier: GPL-2.0
/*
 * Following a process tree (KMR_ATTACH_F_FOLLOW in abi.h).
 *
 * A child of a followed target must not run a single instruction before
 * the recorder has a session on it: its first write is usually its first
 * CoW fault, the event the user is after.  The module cannot attach the
 * child itself (rings, the mmap of them, the START snapshot's wait for a
 * reader all belong to a file the recorder opens), so it holds the child
 * and tells the recorder:
 *
 *   fork:  sched_process_fork (probe_proc.c) runs in the parent after
 *          copy_process() and before wake_up_new_task(): the child has not
 *          run.  kmr_follow_fork() queues a task_work (TWA_RESUME) on it,
 *          which the child runs on its way from ret_from_fork to user mode,
 *          and the FORK record says KMR_FORK_F_HELD.
 *   exec of a CLONE_VM child (vfork, posix_spawn): until its exec the child
 *          runs in the target's mm, whose sessions record it as the
 *          target's own activity.  The exec hook's task_work, which runs in
 *          the child before the new image's first instruction, calls
 *          kmr_follow_exec(): FORK with KMR_FORK_F_EXEC | KMR_FORK_F_HELD,
 *          then the same wait, in place.
 *
 * The wait (kmr_follow_wait()) ends when every session that holds the
 * child let it go: KMR_IOC_RELEASE, or the session's STOP, DETACH or close
 * (kmr_follow_session_end()); on a fatal signal; after KMR_FOLLOW_WAIT_MS
 * unless a holder is lossless.  Not when the parent exits: a parent that
 * forks and exits still has its child followed.
 *
 * Lifetime: a pending child (struct kmr_follow) is on kmr_follows from the
 * fork until its wait ended; it holds a reference on each holding session
 * (dropped when that holder lets go or when the wait ends) and, while it
 * is a queued task_work, a module reference.  Everything is found again
 * under kmr_follow_lock, so a release racing the end of the wait is
 * harmless: whoever takes the entry off a list drops what it held.
 */
#include <linux/jiffies.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/pid.h>
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/task_work.h>
#include <linux/wait.h>
#include "emit.h"
#include "follow.h"
#include "session.h"

/*
 * Sessions that may hold one child at once (more FOLLOW recorders on one
 * target do not hold it: their FORK record lacks KMR_FORK_F_HELD).
 */
#define KMR_FOLLOW_HOLDERS	4

struct kmr_follow {
	struct callback_head cb;
	struct list_head node;		/* in kmr_follows */
	pid_t tgid;			/* the child (global number) */
	bool queued;			/* a task_work: its callback frees this */
	bool forever;			/* a lossless holder: no timeout */
	unsigned int nr;		/* holders still holding */
	struct kmr_session *s[KMR_FOLLOW_HOLDERS];	/* references */
};

static LIST_HEAD(kmr_follows);
static DEFINE_RAW_SPINLOCK(kmr_follow_lock);
static DECLARE_WAIT_QUEUE_HEAD(kmr_follow_wq);
/* Some follow task_work ran since load: module exit waits for its return. */
static bool kmr_follow_ran;

static bool kmr_follow_released(struct kmr_follow *f)
{
	unsigned long flags;
	bool done;

	raw_spin_lock_irqsave(&kmr_follow_lock, flags);
	done = !f->nr;
	raw_spin_unlock_irqrestore(&kmr_follow_lock, flags);
	return done;
}

/*
 * Take @f off the list and return the sessions it still held (to be put
 * by the caller, outside the lock: a put may free a session).
 */
static unsigned int kmr_follow_unlist(struct kmr_follow *f,
				      struct kmr_session **out)
{
	unsigned long flags;
	unsigned int i, n;

	raw_spin_lock_irqsave(&kmr_follow_lock, flags);
	list_del(&f->node);
	n = f->nr;
	for (i = 0; i < n; i++)
		out[i] = f->s[i];
	f->nr = 0;
	raw_spin_unlock_irqrestore(&kmr_follow_lock, flags);
	return n;
}

/* In the child, before its first user instruction; no lock held. */
static void kmr_follow_wait(struct kmr_follow *f)
{
	long timeout = f->forever ? MAX_SCHEDULE_TIMEOUT :
		       msecs_to_jiffies(KMR_FOLLOW_WAIT_MS);
	struct kmr_session *left[KMR_FOLLOW_HOLDERS];
	unsigned int i, n;

	if (!(current->flags & PF_EXITING))
		wait_event_killable_timeout(kmr_follow_wq,
					    kmr_follow_released(f), timeout);
	n = kmr_follow_unlist(f, left);
	for (i = 0; i < n; i++)
		kmr_session_put(left[i]);
}

static void kmr_follow_fn(struct callback_head *cb)
{
	struct kmr_follow *f = container_of(cb, struct kmr_follow, cb);

	kmr_follow_wait(f);
	kfree(f);
	WRITE_ONCE(kmr_follow_ran, true);
	/* the last thing: kmr_follow_drain() waits for our return */
	module_put(THIS_MODULE);
}

/*
 * A pending child with every FOLLOW session of @mm as holder (each
 * referenced), not yet listed; NULL when none follows or no memory.
 * Caller in an RCU read-side section (a tracepoint, or rcu_read_lock()).
 */
static struct kmr_follow *kmr_follow_alloc(struct mm_struct *mm, pid_t tgid)
{
	struct kmr_follow *f = NULL;
	struct kmr_session *s;

	kmr_for_each_session_mm(mm, s) {
		if (!s->follow || kmr_session_ending(s))
			continue;
		if (!f) {
			f = kzalloc(sizeof(*f), GFP_ATOMIC | __GFP_NOWARN);
			if (!f)
				return NULL;
			f->tgid = tgid;
		}
		if (f->nr == KMR_FOLLOW_HOLDERS)
			break;
		kmr_session_get(s);
		f->s[f->nr++] = s;
		f->forever |= s->lossless;
	}
	return f;
}

static void kmr_follow_free(struct kmr_follow *f)
{
	unsigned int i;

	for (i = 0; i < f->nr; i++)
		kmr_session_put(f->s[i]);
	kfree(f);
}

static void kmr_follow_list(struct kmr_follow *f)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kmr_follow_lock, flags);
	list_add(&f->node, &kmr_follows);
	raw_spin_unlock_irqrestore(&kmr_follow_lock, flags);
}

/* Is @s one of @f's holders?  (The FORK record's HELD flag.) */
static bool kmr_follow_holds(const struct kmr_follow *f,
			     const struct kmr_session *s)
{
	unsigned int i;

	for (i = 0; f && i < f->nr; i++)
		if (f->s[i] == s)
			return true;
	return false;
}

static void kmr_follow_report(struct mm_struct *mm, struct kmr_follow *f,
			      struct task_struct *child, u32 flags)
{
	struct kmr_session *s;

	kmr_for_each_session_mm(mm, s)
		kmr_emit_fork(s, kmr_session_nr(s, task_tgid(child)),
			      flags | (kmr_follow_holds(f, s) ?
				       KMR_FORK_F_HELD : 0));
}

void kmr_follow_fork(struct mm_struct *mm, struct task_struct *child)
{
	struct kmr_follow *f = kmr_follow_alloc(mm, child->tgid);

	/* fails only while the module is going: no session is left then */
	if (f && !try_module_get(THIS_MODULE)) {
		kmr_follow_free(f);
		f = NULL;
	}
	if (f) {
		init_task_work(&f->cb, kmr_follow_fn);
		f->queued = true;
		kmr_follow_list(f);
		/* the child has not run: it cannot have passed exit_task_work() */
		if (task_work_add(child, &f->cb, TWA_RESUME)) {
			struct kmr_session *left[KMR_FOLLOW_HOLDERS];
			unsigned int i, n = kmr_follow_unlist(f, left);

			for (i = 0; i < n; i++)
				kmr_session_put(left[i]);
			kfree(f);
			module_put(THIS_MODULE);
			f = NULL;
		}
	}
	kmr_follow_report(mm, f, child, 0);
}

void kmr_follow_exec(struct mm_struct *old_mm)
{
	struct kmr_follow *f;

	rcu_read_lock();
	f = kmr_follow_alloc(old_mm, current->tgid);
	if (f)
		kmr_follow_list(f);
	kmr_follow_report(old_mm, f, current, KMR_FORK_F_EXEC);
	rcu_read_unlock();
	if (!f)
		return;
	kmr_follow_wait(f);
	kfree(f);
}

bool kmr_follow_exec_wanted(struct mm_struct *mm)
{
	struct kmr_session *s;

	kmr_for_each_session_mm(mm, s)
		if (s->follow && kmr_session_pid(s) != current->tgid)
			return true;
	return false;
}

/* Let go of @f for @s (lock held); true when @s held it. */
static bool kmr_follow_drop_locked(struct kmr_follow *f, struct kmr_session *s)
{
	unsigned int i;

	for (i = 0; i < f->nr; i++) {
		if (f->s[i] != s)
			continue;
		f->s[i] = f->s[--f->nr];
		return true;
	}
	return false;
}

int kmr_follow_release(struct kmr_session *s, pid_t vnr)
{
	struct kmr_follow *f;
	unsigned long flags;
	struct pid *pid;
	bool found = false;
	pid_t tgid;

	if (!s->follow)
		return -EINVAL;
	rcu_read_lock();
	pid = find_pid_ns(vnr, s->pid_ns);
	tgid = pid ? pid_nr(pid) : 0;
	rcu_read_unlock();
	if (!tgid)
		return -ENOENT;
	raw_spin_lock_irqsave(&kmr_follow_lock, flags);
	list_for_each_entry(f, &kmr_follows, node) {
		if (f->tgid == tgid && kmr_follow_drop_locked(f, s)) {
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&kmr_follow_lock, flags);
	if (!found)
		return -ENOENT;
	wake_up_all(&kmr_follow_wq);
	/* the entry's reference; the caller's file holds another */
	kmr_session_put(s);
	return 0;
}

void kmr_follow_session_end(struct kmr_session *s)
{
	struct kmr_follow *f;
	unsigned long flags;
	unsigned int dropped = 0;

	if (!s->follow)
		return;
	raw_spin_lock_irqsave(&kmr_follow_lock, flags);
	list_for_each_entry(f, &kmr_follows, node)
		dropped += kmr_follow_drop_locked(f, s);
	raw_spin_unlock_irqrestore(&kmr_follow_lock, flags);
	if (!dropped)
		return;
	wake_up_all(&kmr_follow_wq);
	/* the caller holds a reference of its own: these never free @s */
	while (dropped--)
		kmr_session_put(s);
}

void kmr_follow_drain(void)
{
	/* as kmr_hold_drain(): a task may be in kmr_follow_fn()'s last lines */
	if (READ_ONCE(kmr_follow_ran))
		synchronize_rcu_tasks();
}
