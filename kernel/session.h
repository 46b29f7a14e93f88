/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A session: one open /dev/kmemrec file, attached to at most one target.
 *
 * State machine (flags below, mirrored into kmr_ctl.state):
 *
 *   open --ATTACH--> ATTACHED --START--> STARTED --end of stream--> ENDED
 *
 * The end of stream.  The target's exit, an exec the session may not or
 * cannot follow, STOP, DETACH and close() each end the stream.  Whichever
 * comes first owns the end (kmr_session_end(), bit ENDING): it takes the
 * session out of the traced set, waits for an RCU grace period (no hook
 * still uses it), emits the pending LOST records and, for an exit or exec,
 * the EXIT record; then it sets ENDED, publishes the exact last_seq and
 * wakes poll().  Every other path waits for ENDED before it publishes
 * anything, says POLLHUP or tears anything down, so no record can follow
 * the last_seq a returning STOP or DETACH published, and a reader that stops
 * at POLLHUP (ENDED and drained) has read EXIT.  A session that never
 * started ends the same way, without records.
 *
 * The flags that say why: EXITED, the target ended the stream (its exit,
 * or an exec, KMR_EV_EXIT says which); STOPPED, STOP was called (maybe
 * after the exit ended the stream); DETACHED, DETACH or close(): the file is
 * spent.  STOPPED and DETACHED are set only after ENDED.
 *
 * A session is in the traced set (targets.c), so hooks find it, from its
 * START snapshot's BEGIN to its end, except while an exec moves it to the
 * new mm (kmr_session_exec()).  ATTACH grabs the target mm (mm_count),
 * allocates the rings and registers the hooks; DETACH undoes all of it
 * except the rings and the mm grab, which live until the session is freed
 * (mappings of the file keep it open).  Hooks never read @mm: emitters
 * take the mm the hook fired for.
 *
 * Locking: @lock (mutex) serializes every transition made by an ioctl, the
 * resync work and exec; it nests outside the target's mmap_lock.  The
 * target's exit (mmu_notifier ->release) never takes @lock: it can run
 * inside the mmput() of a @lock holder (START, the resync).  A path that
 * does not own the end waits for it with @lock held; an owner never takes
 * @lock after it became the owner, so that wait always ends.
 */
#ifndef _KMR_SESSION_H
#define _KMR_SESSION_H

#include <linux/kref.h>
#include <linux/mutex.h>
#include <linux/irq_work.h>
#include <linux/workqueue.h>
#include <linux/wait.h>
#include "kmemrec.h"

/* Bits of kmr_session.flags. */
enum {
	KMR_SF_ATTACHED,	/* target mm grabbed, rings allocated */
	KMR_SF_PROBES,		/* kmr_probes_get() + attach done */
	KMR_SF_STARTED,
	KMR_SF_SNAP_DONE,	/* START snapshot complete */
	KMR_SF_STOPPED,
	KMR_SF_EXITED,		/* target mm released */
	KMR_SF_DETACHED,	/* DETACH or close: no new ATTACH on this file */
	KMR_SF_STOPPING,	/* tells a waiting snapshot to give up */
	KMR_SF_RESYNC_WANTED,	/* a LOST record went out: resync needed */
	KMR_SF_ENDING,		/* the end of stream has its owner */
	KMR_SF_ENDED,		/* ... who is done: last_seq final, poll HUPs */
};

struct kmr_cpu_ring;
struct kmr_vmastat;

struct kmr_session {
	/*
	 * The traced mm: mmgrab'ed at ATTACH, replaced under @lock at exec,
	 * dropped when the session is freed.  Only the core reads it (under
	 * @lock); hooks use the mm they fired for.
	 */
	struct mm_struct *mm;
	/* Read by hooks and emitters; stable while the session is started. */
	unsigned long start, end;	/* traced range */
	u64 event_mask;			/* KMR_MASK_* */
	struct kmr_cpu_ring __percpu *cpu;
	atomic64_t seq;			/* last seq handed out */
	unsigned long flags;		/* KMR_SF_* */
	u64 ring_size;
	u64 watermark;

	/* Ring memory: control area then nr_rings rings (ring.c). */
	void *buf;
	struct kmr_ctl *ctl;
	u64 ctl_size;
	u64 mmap_size;
	u32 nr_rings;

	/*
	 * The target: @tgid as the kernel numbers it (compared with
	 * current->tgid), @tgid_vnr as the recorder's pid namespace
	 * @pid_ns numbers it (records show the recorder its numbers).
	 */
	pid_t tgid;
	pid_t tgid_vnr;
	struct pid_namespace *pid_ns;
	void *probe_priv;		/* owned by probes*.c */
	struct kmr_vmastat *vstat;	/* session totals: per CPU, ring.h */

	/*
	 * The opener had CAP_SYS_ADMIN (main.c): only then do records and
	 * WALK carry pfns and physical addresses, as /proc/pid/pagemap.
	 */
	bool show_pfn;

	/* The recorder's credentials at ATTACH, checked at exec (perm.c). */
	const struct cred *tracer_cred;
	struct user_namespace *target_user_ns;	/* the target mm's, at ATTACH */
	bool tracer_privileged;		/* CAP_SYS_PTRACE over it */

	struct kref ref;
	struct mutex lock;		/* state transitions, snapshots */
	spinlock_t state_lock;		/* orders writes of ctl->state */
	wait_queue_head_t wq;		/* poll(), and waiters for ENDED */
	struct irq_work wake_work;	/* NMI-safe wakeup and resync kick */
	struct work_struct resync_work;
	struct work_struct free_work;

	/*
	 * --lossless (hold.c): set at ATTACH, read by producers.  Bytes of a
	 * ring: hold a thread above @hold_high, release it at @hold_low;
	 * the target's own records leave @hold_reserve free for the records
	 * of tasks that cannot be held.
	 */
	bool lossless;
	/* KMR_ATTACH_F_FOLLOW (follow.c): set at ATTACH, read by hooks */
	bool follow;
	/* kmr_hold_request(): queue the current task's wait (ring.c calls) */
	void (*hold_request)(struct kmr_session *s);
	u64 hold_high, hold_low, hold_reserve;
	raw_spinlock_t hold_lock;	/* @holds */
	struct list_head holds;		/* queued hold task_works */
	wait_queue_head_t hold_wq;	/* held threads */
	atomic64_t held_ns, held_waits;
};

/* Module-wide workqueue for resyncs and deferred frees (main.c). */
extern struct workqueue_struct *kmr_wq;
/*
 * Deferred session frees only (never waits for a consumer), so that an
 * ATTACH refused by the ring cap can wait for the frees of sessions just
 * closed (main.c).
 */
extern struct workqueue_struct *kmr_free_wq;

struct kmr_session *kmr_session_alloc(void);
/* close(): detach if attached, drop the file's reference. */
void kmr_session_release(struct kmr_session *s);

int kmr_session_attach(struct kmr_session *s, struct kmr_attach *a);
int kmr_session_start(struct kmr_session *s);
int kmr_session_stop(struct kmr_session *s);
int kmr_session_detach(struct kmr_session *s);

/*
 * Set STOPPING (a waiting snapshot gives up) and release every thread the
 * session holds (hold.c).  Any context but NMI.
 */
void kmr_session_stopping(struct kmr_session *s);

/* hold.c: --lossless. */
void kmr_hold_init(struct kmr_session *s);
void kmr_hold_setup(struct kmr_session *s);
/* Wake the held threads to recheck (poll(), the end of the session). */
void kmr_hold_wake(struct kmr_session *s);
/* Module exit: no hold task_work is still in our text. */
void kmr_hold_drain(void);

/* Write the KMR_STATE_* view of @s->flags into the control area. */
void kmr_session_publish_state(struct kmr_session *s);

/* targets.c: the traced set, updated under its own mutex. */
int kmr_targets_add(struct kmr_session *s);
bool kmr_targets_remove(struct kmr_session *s);

/*
 * perm.c (kmr_perm_get_mm() is in kmemrec.h).  kmr_perm_get_target() is
 * kmr_perm_get_mm() that also gives the target's tgid as the caller's pid
 * namespace numbers it.
 */
struct mm_struct *kmr_perm_get_target(pid_t nr, pid_t *tgid,
				      pid_t *tgid_vnr);
void kmr_perm_save_tracer(struct kmr_session *s, struct mm_struct *mm);
void kmr_perm_drop_tracer(struct kmr_session *s);
/*
 * 0 when the recorder may follow the exec'ing current task into @new_mm
 * (creds committed), else the KMR_EXIT_F_* reasons it may not.  @secure:
 * the exec's bprm->secureexec.
 */
u32 kmr_perm_exec_denied(struct kmr_session *s, struct mm_struct *new_mm,
			 bool secure);

/* vmastat.c */
struct kmr_vmastat *kmr_vmastat_alloc(void);
void kmr_vmastat_free(struct kmr_vmastat *vs);
void kmr_vmastat_clear(struct kmr_vmastat *vs);
int kmr_vmastat_fill(struct kmr_session *s, struct mm_struct *mm,
		     struct kmr_stats *st, struct kmr_vma_stat __user *ubuf);

/*
 * snapshot.c: a full snapshot of @mm; the caller holds s->lock and an
 * mm_users reference.  @publish adds the session to the traced set right
 * after SNAPSHOT_BEGIN (START), so BEGIN is the session's first record and
 * every later change is either live or in the snapshot.
 */
int kmr_snapshot(struct kmr_session *s, struct mm_struct *mm,
		 enum kmr_snapshot_cause cause, bool publish);

static inline bool kmr_sf(const struct kmr_session *s, int bit)
{
	return test_bit(bit, &s->flags);
}

/*
 * ATTACHED, for callers that then use the rings without s->lock (mmap,
 * poll, STATS): the rings and geometry were set before the bit.
 */
static inline bool kmr_session_attached(const struct kmr_session *s)
{
	bool attached = test_bit(KMR_SF_ATTACHED, &s->flags);

	smp_rmb();	/* pairs with smp_wmb() before setting ATTACHED */
	return attached;
}

#endif /* _KMR_SESSION_H */
