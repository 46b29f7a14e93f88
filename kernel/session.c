// SPDX-License-Identifier: GPL-2.0
/*
 * Session life cycle: attach, start, the end of stream (STOP, DETACH,
 * close, the target's exit, an exec not followed), exec, and the resync
 * after lost records.  session.h has the state machine and the locking
 * rules.
 */
#include <linux/slab.h>
#include <linux/pid_namespace.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/rcupdate.h>
#include "emit.h"
#include "follow.h"

struct workqueue_struct *kmr_wq;
struct workqueue_struct *kmr_free_wq;

static void kmr_session_free_fn(struct work_struct *work)
{
	struct kmr_session *s = container_of(work, struct kmr_session,
					     free_work);

	irq_work_sync(&s->wake_work);
	if (s->mm)
		mmdrop(s->mm);
	if (s->pid_ns)
		put_pid_ns(s->pid_ns);
	kmr_perm_drop_tracer(s);
	if (s->buf)
		kmr_ring_free(s);
	kmr_vmastat_free(s->vstat);
	mutex_destroy(&s->lock);
	kfree(s);
}

static void kmr_session_kref_release(struct kref *ref)
{
	struct kmr_session *s = container_of(ref, struct kmr_session, ref);

	/* The last put may come from a hook: vfree() must wait for a worker. */
	queue_work(kmr_free_wq, &s->free_work);
}

void kmr_session_get(struct kmr_session *s)
{
	kref_get(&s->ref);
}

void kmr_session_put(struct kmr_session *s)
{
	kref_put(&s->ref, kmr_session_kref_release);
}

static void kmr_resync_fn(struct work_struct *work);

/*
 * The irq_work behind kmr_ring_kick(): wake poll(), and start a resync a
 * ring asked for (its drop ran where queueing work is not allowed).
 */
static void kmr_session_wake_fn(struct irq_work *work)
{
	struct kmr_session *s = container_of(work, struct kmr_session,
					     wake_work);

	wake_up_interruptible(&s->wq);
	if (test_bit(KMR_SF_RESYNC_WANTED, &s->flags) &&
	    kref_get_unless_zero(&s->ref)) {
		if (!queue_work(kmr_wq, &s->resync_work))
			kmr_session_put(s);
	}
}

struct kmr_session *kmr_session_alloc(void)
{
	struct kmr_session *s = kzalloc(sizeof(*s), GFP_KERNEL);

	if (!s)
		return NULL;
	kref_init(&s->ref);
	mutex_init(&s->lock);
	spin_lock_init(&s->state_lock);
	init_waitqueue_head(&s->wq);
	init_irq_work(&s->wake_work, kmr_session_wake_fn);
	INIT_WORK(&s->resync_work, kmr_resync_fn);
	INIT_WORK(&s->free_work, kmr_session_free_fn);
	kmr_hold_init(s);
	return s;
}

void kmr_session_stopping(struct kmr_session *s)
{
	set_bit(KMR_SF_STOPPING, &s->flags);
	/* a recorder that stops or dies never leaves the target waiting */
	kmr_hold_wake(s);
}

/* Started, and nothing has ended its stream yet. */
static bool kmr_session_live(struct kmr_session *s)
{
	return kmr_sf(s, KMR_SF_STARTED) && !kmr_sf(s, KMR_SF_ENDING);
}

void kmr_session_publish_state(struct kmr_session *s)
{
	u32 st = 0;

	if (!s->ctl)
		return;
	spin_lock(&s->state_lock);
	if (kmr_sf(s, KMR_SF_ATTACHED) && !kmr_sf(s, KMR_SF_DETACHED))
		st |= KMR_STATE_ATTACHED;
	if (kmr_sf(s, KMR_SF_STARTED))
		st |= KMR_STATE_STARTED;
	if (kmr_sf(s, KMR_SF_SNAP_DONE))
		st |= KMR_STATE_SNAPSHOT_DONE;
	if (kmr_sf(s, KMR_SF_STOPPED) || kmr_sf(s, KMR_SF_DETACHED))
		st |= KMR_STATE_STOPPED;
	if (kmr_sf(s, KMR_SF_EXITED))
		st |= KMR_STATE_EXITED;
	/* Once the stream has ended, nothing more is produced: exact. */
	if (kmr_sf(s, KMR_SF_ENDED))
		WRITE_ONCE(s->ctl->last_seq, atomic64_read(&s->seq));
	WRITE_ONCE(s->ctl->state, st);
	spin_unlock(&s->state_lock);
}

enum kmr_end_cause {
	KMR_END_STOP,		/* STOP */
	KMR_END_DETACH,		/* DETACH, close() */
	KMR_END_TARGET,		/* the target's exit, or an exec: EXIT */
};

/*
 * End the stream (session.h).  The first caller owns the end: it takes the
 * session out of the traced set, waits until no hook can still use it,
 * reports every loss, writes EXIT for @cause KMR_END_TARGET (@code,
 * @exit_flags), then sets ENDED, publishes the exact last_seq and wakes
 * poll() and the waiters; it returns true.  Any later caller waits for
 * ENDED and returns false.  Sleeps; the owner never takes s->lock.
 */
static bool kmr_session_end(struct kmr_session *s, enum kmr_end_cause cause,
			    int code, u32 exit_flags)
{
	/*
	 * A snapshot waiting for ring space (under s->lock) gives up, held
	 * threads go.
	 */
	kmr_session_stopping(s);
	if (test_and_set_bit(KMR_SF_ENDING, &s->flags)) {
		wait_event(s->wq, kmr_sf(s, KMR_SF_ENDED));
		return false;
	}
	/* a hook that could not run at all is a loss too: report it first */
	kmr_probes_check_missed();
	if (kmr_targets_remove(s))
		synchronize_rcu();
	kmr_ring_flush_lost(s);
	if (cause == KMR_END_TARGET) {
		set_bit(KMR_SF_EXITED, &s->flags);
		kmr_emit_exit(s, code, exit_flags);
	}
	/* every record is committed before ENDED says so */
	smp_mb__before_atomic();
	set_bit(KMR_SF_ENDED, &s->flags);
	kmr_session_publish_state(s);
	wake_up_all(&s->wq);
	return true;
}

/* @a is validated and normalized by the ioctl; out fields are filled. */
int kmr_session_attach(struct kmr_session *s, struct kmr_attach *a)
{
	struct mm_struct *mm;
	pid_t tgid, tgid_vnr;
	int ret;

	mutex_lock(&s->lock);
	if (kmr_sf(s, KMR_SF_ATTACHED) || kmr_sf(s, KMR_SF_DETACHED)) {
		ret = -EBUSY;
		goto unlock;
	}
	mm = kmr_perm_get_target(a->pid, &tgid, &tgid_vnr);
	if (IS_ERR(mm)) {
		ret = PTR_ERR(mm);
		goto unlock;
	}
	/* a lossless recorder of itself would wait for itself */
	if ((a->flags & KMR_ATTACH_F_LOSSLESS) && tgid == current->tgid) {
		ret = -EDEADLK;
		goto put_mm;
	}
	s->vstat = kmr_vmastat_alloc();
	if (!s->vstat) {
		ret = -ENOMEM;
		goto put_mm;
	}
	ret = kmr_ring_alloc(s, a->ring_size, a->watermark);
	if (ret == -ENOSPC) {
		/*
		 * The rings of sessions closed a moment ago still count until
		 * their deferred free has run: wait for those frees, not for
		 * the user to retry (kwalk_ringcap saw ENOSPC right after a
		 * close on a busy machine).
		 */
		flush_workqueue(kmr_free_wq);
		ret = kmr_ring_alloc(s, a->ring_size, a->watermark);
	}
	if (ret)
		goto free_vstat;
	s->start = a->start;
	s->end = a->end;
	s->event_mask = a->event_mask;
	if (a->flags & KMR_ATTACH_F_LOSSLESS)
		kmr_hold_setup(s);
	s->follow = a->flags & KMR_ATTACH_F_FOLLOW;
	s->tgid = tgid;
	s->tgid_vnr = tgid_vnr;
	s->pid_ns = get_pid_ns(task_active_pid_ns(current));
	mmgrab(mm);
	s->mm = mm;
	kmr_perm_save_tracer(s, mm);

	/* The notifier needs mm_users: register before dropping ours. */
	ret = kmr_probes_get();
	if (ret)
		goto drop_mm;
	ret = kmr_probes_attach(s, mm);
	if (ret)
		goto put_probes;
	set_bit(KMR_SF_PROBES, &s->flags);
	mmput(mm);

	a->nr_rings = s->nr_rings;
	a->ctl_size = s->ctl_size;
	a->mmap_size = s->mmap_size;
	smp_wmb();	/* buffer and geometry before ATTACHED (see mmap) */
	set_bit(KMR_SF_ATTACHED, &s->flags);
	kmr_session_publish_state(s);
	mutex_unlock(&s->lock);
	return 0;

put_probes:
	kmr_probes_put();
drop_mm:
	kmr_perm_drop_tracer(s);
	put_pid_ns(s->pid_ns);
	s->pid_ns = NULL;
	s->mm = NULL;
	mmdrop(mm);
	kmr_ring_free(s);
free_vstat:
	kmr_vmastat_free(s->vstat);
	s->vstat = NULL;
put_mm:
	mmput(mm);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

int kmr_session_start(struct kmr_session *s)
{
	struct mm_struct *mm;
	int ret = 0;

	mutex_lock(&s->lock);
	if (!kmr_sf(s, KMR_SF_ATTACHED) || kmr_sf(s, KMR_SF_DETACHED) ||
	    kmr_sf(s, KMR_SF_STARTED) || kmr_sf(s, KMR_SF_ENDING)) {
		ret = -EINVAL;
		goto unlock;
	}
	mm = s->mm;
	if (!mmget_not_zero(mm)) {
		ret = -ESRCH;
		goto unlock;
	}
	set_bit(KMR_SF_STARTED, &s->flags);
	kmr_session_publish_state(s);
	ret = kmr_snapshot(s, mm, KMR_SNAP_START, true);
	if (ret) {
		clear_bit(KMR_SF_STARTED, &s->flags);
	} else {
		set_bit(KMR_SF_SNAP_DONE, &s->flags);
		/* A loss during the snapshot can be repaired only now. */
		if (kmr_sf(s, KMR_SF_RESYNC_WANTED))
			kmr_ring_kick(s);
	}
	kmr_session_publish_state(s);
	/* May be the target's last reference: its exit runs from here then. */
	mmput(mm);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

int kmr_session_stop(struct kmr_session *s)
{
	int ret = 0;

	/* Make a START snapshot that is waiting for ring space give up. */
	if (kmr_sf(s, KMR_SF_STARTED))
		kmr_session_stopping(s);
	mutex_lock(&s->lock);
	if (!kmr_sf(s, KMR_SF_STARTED) || kmr_sf(s, KMR_SF_STOPPED) ||
	    kmr_sf(s, KMR_SF_DETACHED)) {
		ret = -EINVAL;
		goto unlock;
	}
	/* Owner or not, the stream has ended when this returns. */
	kmr_session_end(s, KMR_END_STOP, 0, 0);
	kmr_follow_session_end(s);
	set_bit(KMR_SF_STOPPED, &s->flags);
	kmr_session_publish_state(s);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

/*
 * End the stream, then undo ATTACH except the rings (mappings may still
 * read them) and the mm grab, which the session keeps until it is freed:
 * s->mm is never NULL or dangling once attached.
 */
static void kmr_session_teardown(struct kmr_session *s)
{
	lockdep_assert_held(&s->lock);
	kmr_session_end(s, KMR_END_DETACH, 0, 0);
	kmr_follow_session_end(s);
	set_bit(KMR_SF_DETACHED, &s->flags);
	if (test_and_clear_bit(KMR_SF_PROBES, &s->flags)) {
		kmr_probes_detach(s);
		kmr_probes_put();
	}
	kmr_session_publish_state(s);
	wake_up_all(&s->wq);
}

int kmr_session_detach(struct kmr_session *s)
{
	int ret = 0;

	if (kmr_sf(s, KMR_SF_ATTACHED))
		kmr_session_stopping(s);
	mutex_lock(&s->lock);
	if (!kmr_sf(s, KMR_SF_ATTACHED) || kmr_sf(s, KMR_SF_DETACHED))
		ret = -EINVAL;
	else
		kmr_session_teardown(s);
	mutex_unlock(&s->lock);
	return ret;
}

void kmr_session_release(struct kmr_session *s)
{
	kmr_session_stopping(s);
	mutex_lock(&s->lock);
	if (kmr_sf(s, KMR_SF_ATTACHED) && !kmr_sf(s, KMR_SF_DETACHED))
		kmr_session_teardown(s);
	set_bit(KMR_SF_DETACHED, &s->flags);
	mutex_unlock(&s->lock);
	irq_work_sync(&s->wake_work);
	kmr_session_put(s);
}

void kmr_session_target_exit(struct kmr_session *s, int exit_code,
			     u32 exit_flags)
{
	kmr_session_end(s, KMR_END_TARGET, exit_code, exit_flags);
}

bool kmr_session_ending(const struct kmr_session *s)
{
	return kmr_sf(s, KMR_SF_ENDING);
}

/* The exec'ing task could not be followed: it is dying, or we failed. */
static void kmr_session_exec_failed(struct kmr_session *s)
{
	if (fatal_signal_pending(current) || (current->flags & PF_EXITING))
		kmr_session_end(s, KMR_END_TARGET, kmr_task_exit_code(), 0);
	else
		kmr_session_end(s, KMR_END_TARGET, -1,
				KMR_EXIT_F_EXEC_UNFOLLOWED);
}

int kmr_session_exec(struct kmr_session *s, struct mm_struct *old_mm,
		     struct mm_struct *new_mm, const char *filename,
		     bool secure)
{
	u32 denied;
	int ret = 0;

	mutex_lock(&s->lock);
	/* ended meanwhile, or not on the old mm (never started there) */
	if (!kmr_session_live(s) || s->mm != old_mm)
		goto unlock;
	/*
	 * Out of the traced set first: once no hook can use the session, no
	 * record of the old mm follows EXEC and none of the new one comes
	 * before it.  The EXEC snapshot puts it back, after its BEGIN.
	 */
	if (kmr_targets_remove(s))
		synchronize_rcu();
	kmr_emit_exec(s, filename);
	denied = kmr_perm_exec_denied(s, new_mm, secure);
	if (denied) {
		ret = -EPERM;
		kmr_session_end(s, KMR_END_TARGET, -1,
				KMR_EXIT_F_EXEC_DENIED | denied);
		goto unlock;
	}
	kmr_probes_detach(s);
	mmgrab(new_mm);
	mmdrop(s->mm);
	/* kmr_ring_holdable() compares it without the lock */
	WRITE_ONCE(s->mm, new_mm);
	kmr_vmastat_clear(s->vstat);
	ret = kmr_probes_attach(s, new_mm);
	if (!ret)
		ret = kmr_snapshot(s, new_mm, KMR_SNAP_EXEC, true);
	if (ret)
		kmr_session_exec_failed(s);
unlock:
	mutex_unlock(&s->lock);
	return ret;
}

static void kmr_resync_fn(struct work_struct *work)
{
	struct kmr_session *s = container_of(work, struct kmr_session,
					     resync_work);
	struct mm_struct *mm;

	/*
	 * Resync once the consumer has caught up: under sustained overload a
	 * snapshot per drop would only add to the load.  Waited for without
	 * s->lock, which an exec'ing target needs.  If the consumer never
	 * catches up, the next drop or LOST record asks again.
	 */
	if (!kmr_session_live(s) || !kmr_sf(s, KMR_SF_SNAP_DONE) ||
	    !kmr_sf(s, KMR_SF_RESYNC_WANTED) ||
	    kmr_ring_wait_caught_up(s))
		goto put;
	mutex_lock(&s->lock);
	if (kmr_session_live(s) &&
	    test_and_clear_bit(KMR_SF_RESYNC_WANTED, &s->flags)) {
		mm = s->mm;
		if (mmget_not_zero(mm)) {
			kmr_snapshot(s, mm, KMR_SNAP_RESYNC, false);
			mmput(mm);
		}
	}
	mutex_unlock(&s->lock);
put:
	kmr_session_put(s);
}

/* Accessors for hooks and kmemfetch (kmemrec.h). */
void kmr_session_range(const struct kmr_session *s, unsigned long *start,
		       unsigned long *end)
{
	*start = s->start;
	*end = s->end;
}

bool kmr_session_wants(const struct kmr_session *s, u64 mask)
{
	return (s->event_mask & mask) == mask;
}

pid_t kmr_session_pid(const struct kmr_session *s)
{
	return s->tgid;
}

u32 kmr_session_nr(const struct kmr_session *s, struct pid *pid)
{
	if (likely(s->pid_ns == &init_pid_ns))
		return pid_nr(pid);
	return pid_nr_ns(pid, s->pid_ns);
}

u32 kmr_session_tid(const struct kmr_session *s)
{
	if (likely(s->pid_ns == &init_pid_ns))
		return current->pid;
	return pid_nr_ns(task_pid(current), s->pid_ns);
}

int kmr_task_exit_code(void)
{
	if (current->signal->flags & SIGNAL_GROUP_EXIT)
		return current->signal->group_exit_code;
	return current->exit_code;
}

void **kmr_session_probe_priv(struct kmr_session *s)
{
	return &s->probe_priv;
}

struct mm_struct *kmr_session_get_mm(struct kmr_session *s)
{
	struct mm_struct *mm = NULL;

	mutex_lock(&s->lock);
	if (kmr_sf(s, KMR_SF_ATTACHED) && !kmr_sf(s, KMR_SF_DETACHED) &&
	    mmget_not_zero(s->mm))
		mm = s->mm;
	mutex_unlock(&s->lock);
	return mm;
}
