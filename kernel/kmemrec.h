/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmemrec.ko internal API: what the hooks (probes*.c, owned by kprobes) and
 * kmemfetch (fetch*.c) may call in the core (main, session, ring,
 * snapshot, pgwalk).  docs/architecture.md maps the files to their jobs;
 * docs/kernel-hooks.md lists the hooks per kernel version.
 *
 * Contexts.  "hook" below means: a tracepoint, ftrace_ops, ftrace-based
 * kprobe or kretprobe handler, or an mmu_notifier callback.  Preemption may
 * be off, IRQs may be off, the caller may hold a page-table lock only where a
 * function says so.  Nothing here may be called from NMI except
 * kmr_reserve()/kmr_commit() and the kmr_for_each_session_mm() lookup.
 *
 * Filtering.  Hooks filter on the mm, never on the task: ksmd, kcompactd,
 * khugepaged, kswapd and remote GUP change a target's page tables from other
 * tasks.  Every emitter below clips to the session's traced range and honours
 * its event mask, so a hook simply calls it for each session it finds.
 *
 * The hook's own mm.  An emitter that reads page tables or VMAs takes the
 * mm the hook fired for (the one it passed to kmr_for_each_session_mm()),
 * never the session's: at exec the session moves to the new mm while hooks
 * on the old one may still run, and a session may come to follow several
 * mms.  The hook's context keeps that mm alive (the fault, the notifier,
 * the rmap lock, the mmap_lock it holds).  The core never hands a hook the
 * session's mm.
 */
#ifndef _KMEMREC_H
#define _KMEMREC_H

#include <linux/types.h>
#include <linux/mm_types.h>
#include <linux/rcupdate.h>
#include <kmemrec/abi.h>

struct kmr_session;

/* ------------------------------------------------------------------------ */
/* Finding the sessions of an mm (targets.c)                                */
/* ------------------------------------------------------------------------ */

/*
 * The started sessions, as an RCU-replaced array of (mm, session) pairs.
 * NULL when no session is started, so a hook on an untraced mm costs one
 * load, one compare and the loop over a handful of entries.
 */
struct kmr_target {
	struct mm_struct *mm;
	struct kmr_session *s;
};

struct kmr_target_set {
	struct rcu_head rcu;
	unsigned int nr;
	struct kmr_target e[];
};

extern struct kmr_target_set __rcu *kmr_targets;

struct kmr_target_iter {
	const struct kmr_target_set *set;
	const struct mm_struct *mm;
	struct kmr_session **cur;	/* the caller's loop variable */
	unsigned int i;
};

static __always_inline struct kmr_session *
kmr_target_iter_next(struct kmr_target_iter *it)
{
	const struct kmr_target_set *set = it->set;

	if (!set)
		return NULL;
	while (it->i < set->nr) {
		const struct kmr_target *t = &set->e[it->i++];

		if (READ_ONCE(t->mm) == it->mm)
			return t->s;
	}
	return NULL;
}

static __always_inline struct kmr_target_iter
kmr_target_iter_first(const struct mm_struct *mm, struct kmr_session **cur)
{
	struct kmr_target_iter it = {
		.set = rcu_dereference_check(kmr_targets,
					     rcu_read_lock_any_held()),
		.mm = mm,
		.cur = cur,
	};

	*cur = kmr_target_iter_next(&it);
	return it;
}

static __always_inline bool kmr_target_iter_more(struct kmr_target_iter *it)
{
	return *it->cur;
}

static __always_inline void kmr_target_iter_advance(struct kmr_target_iter *it)
{
	*it->cur = kmr_target_iter_next(it);
}

/*
 * kmr_for_each_session_mm - every started session tracing @mm.
 *
 * The caller must be in an RCU read-side section: rcu_read_lock(), or
 * preemption/IRQs disabled (every tracepoint, ftrace and kprobe handler is).
 * A session pointer is valid only inside that section; to keep one across a
 * sleep, take a reference with kmr_session_get() inside it.  @mm is only
 * compared, never dereferenced, so it may be a dying mm.
 */
#define kmr_for_each_session_mm(mm, s)					\
	for (struct kmr_target_iter __kmr_it =				\
		kmr_target_iter_first(mm, &(s));			\
	     kmr_target_iter_more(&__kmr_it);				\
	     kmr_target_iter_advance(&__kmr_it))

/* True when at least one started session traces @mm (same rules). */
static __always_inline bool kmr_mm_traced(const struct mm_struct *mm)
{
	struct kmr_session *s;

	kmr_target_iter_first(mm, &s);
	return s;
}

/* ------------------------------------------------------------------------ */
/* Session accessors and references (session.c)                             */
/* ------------------------------------------------------------------------ */

/* The traced range [start, end), page aligned. */
void kmr_session_range(const struct kmr_session *s, unsigned long *start,
		       unsigned long *end);
/* True when the session's event mask contains every bit of @mask. */
bool kmr_session_wants(const struct kmr_session *s, u64 mask);
/*
 * The target's tgid as the kernel numbers it (init_pid_ns): compare it
 * with current->tgid, never show it to the recorder.
 */
pid_t kmr_session_pid(const struct kmr_session *s);
/*
 * Numbers for records: @pid (a struct pid, e.g. task_tgid(child)), or the
 * current thread, as the recorder's pid namespace numbers them (0 when it
 * cannot see them).  Any context but NMI.
 */
u32 kmr_session_nr(const struct kmr_session *s, struct pid *pid);
u32 kmr_session_tid(const struct kmr_session *s);
/* True once the session's stream is ending (session.h): skip it. */
bool kmr_session_ending(const struct kmr_session *s);

/*
 * Probes' private per-session state: one pointer, owned by probes*.c, NULL
 * until kmr_probes_attach() sets it.  The core never looks at it.
 */
void **kmr_session_probe_priv(struct kmr_session *s);

/*
 * References: a hook that must use a session after its RCU section (task
 * work, a workqueue) takes one inside the section.  kmr_session_put() may be
 * called from any context except NMI; the memory is freed from a workqueue.
 */
void kmr_session_get(struct kmr_session *s);
void kmr_session_put(struct kmr_session *s);

/* ------------------------------------------------------------------------ */
/* Records (ring.c, emit.c)                                                 */
/* ------------------------------------------------------------------------ */

/*
 * Low level: reserve a record of @size bytes (header included, multiple of
 * 8, at most KMR_REC_MAX) on the current CPU's ring of @s.  Returns the
 * record with its header filled (kind, size, flags, a fresh seq, time), or
 * NULL when the record was dropped (ring full, nested producer on this CPU:
 * counted, and reported by a KMR_EV_LOST before the next record on this
 * ring, or sooner when the core flushes losses before a resync or at the
 * end of the stream).  The seq is taken now, so call it while holding the
 * lock that orders the change.  IRQs stay disabled until kmr_commit(): fill
 * the body and commit at once; never sleep in between.  NMI-safe.
 */
#define KMR_REC_MAX	(16u << 10)

struct kmr_rsv {
	void *rec;			/* the record, header filled */
	/* private to ring.c */
	void *ring;
	unsigned long irqflags;
	u64 tail;
	u32 total;
	u32 nrec;
};

void *kmr_reserve(struct kmr_session *s, struct kmr_rsv *r, unsigned int kind,
		  unsigned int size, u32 flags);
void kmr_commit(struct kmr_session *s, struct kmr_rsv *r);

/*
 * Records lost before they reached kmr_reserve() (a hook that could not
 * run): @count of @kinds (BIT_ULL(KMR_EV_*)), seen lost now, counted on @s
 * like dropped records and reported by the next KMR_EV_LOST on this CPU's
 * ring (or the flush at the end of the stream), whose time window is the
 * moment of this call; a resync follows.  Any context, NMI included.
 */
void kmr_note_lost(struct kmr_session *s, u64 kinds, u64 count);

/*
 * Typed emitters.  Each one checks the event mask and the traced range and
 * does nothing outside them.  Safe from hooks (not NMI).
 */
void kmr_emit_fault(struct kmr_session *s, unsigned long vaddr,
		    unsigned long ip, u32 fault_flags, u32 tid);
/*
 * KMR_EV_COW, then the new page's KMR_EV_PAGE_DATA (its bytes or their
 * xxh64) if the session asks: the copy must be complete, @new_pfn a real
 * page, its PTL held.
 */
void kmr_emit_cow(struct kmr_session *s, unsigned long vaddr, u64 old_pfn,
		  u64 new_pfn, u32 tid, u32 cow_flags);
void kmr_emit_pte_unmap(struct kmr_session *s, unsigned long start,
			unsigned long end, enum kmr_unmap_reason reason);
/* KMR_EV_FORK (flags KMR_FORK_F_*); a FOLLOW session's is never masked. */
void kmr_emit_fork(struct kmr_session *s, u32 child_pid, u32 flags);
/* KMR_EV_SIGNAL: process event, not masked or clipped; atomic context. */
void kmr_emit_signal(struct kmr_session *s, int signo, int code, u64 addr,
		     u32 tid, u32 flags);
/* For kmemfetch: every write into the target (any mode). */
void kmr_emit_mem_write(struct kmr_session *s, unsigned long vaddr, u64 len,
			u32 writer_pid, enum kmr_mem_mode mode);

/*
 * Entries of KMR_EV_PTE, encoded identically on both sides.  No VMA needed
 * (the rmap and notifier paths have none): x86 marks PTEs without a struct
 * page as special, so anon/KSM/exclusive come from the page itself.  Call
 * under the PTL (or accept a racy answer).  A none entry encodes as 0.
 */
u64 kmr_pte_entry(pte_t pte);
u64 kmr_pmd_entry(pmd_t pmd);	/* a PMD leaf: KMR_PTE_HUGE set */
u64 kmr_pud_entry(pud_t pud);	/* a PUD leaf: KMR_PTE_HUGE set */

/*
 * KMR_EV_PTE from entries the caller already read under the PTL it still
 * holds (fault-around, rmap hooks).  @nr entries of 1 << @shift bytes from
 * @vaddr, as kmr_pte_entry() encodes them; clipped to the traced range.
 */
void kmr_emit_pte_vals(struct kmr_session *s, unsigned long vaddr,
		       unsigned int nr, unsigned int shift, const u64 *entries,
		       enum kmr_pte_cause cause);

/*
 * kmr_emit_pte_range - emit the non-none entries of @mm's [start, end)
 * (clipped to the traced range) as KMR_EV_PTE runs, one page table at a
 * time under its PTL, each seq taken under that PTL.  @mm is the hook's.
 *
 * The caller holds a lock that keeps these page tables from being freed:
 * the mmap_lock (with the range inside VMAs found under it, unless held for
 * write), the per-VMA lock or the rmap lock of the VMA covering the range
 * (pgwalk.h lists each hook and its lock).  IRQs enabled, not NMI.  Returns
 * the number of entries emitted, or a negative errno.
 */
long kmr_emit_pte_range(struct kmr_session *s, struct mm_struct *mm,
			unsigned long start, unsigned long end,
			enum kmr_pte_cause cause);
/*
 * The same for a hook whose caller holds no such lock any more
 * (handle_mm_fault() returning VM_FAULT_RETRY or VM_FAULT_COMPLETED): takes
 * @mm's mmap_lock if it is free now and walks inside the VMAs found under
 * it; if it is not, counts the PTEs as lost (KMR_EV_LOST, then a resync).
 * Never sleeps.  Returns entries emitted or a negative errno.
 */
long kmr_emit_pte_range_trylock(struct kmr_session *s, struct mm_struct *mm,
				unsigned long start, unsigned long end,
				enum kmr_pte_cause cause);
/* Same for the single entry (PTE or huge leaf) covering @addr. */
long kmr_emit_pte_one(struct kmr_session *s, struct mm_struct *mm,
		      unsigned long addr, enum kmr_pte_cause cause);

/*
 * One record per fault (issue 10): the PTE record of the fault's page also
 * reports the fault @f (KMR_PTE_F_FAULT), for a caller that knows every
 * field of it final.  The entry is stated as kmr_emit_pte_one() or
 * kmr_emit_pte_vals() (one 4 KiB entry) state it, under the same lock
 * rules.  When @s wants no PTE there, or none is found, the fault goes
 * alone (KMR_EV_FAULT); a dropped record counts as its PTE and its FAULT.
 */
long kmr_emit_pte_one_fault(struct kmr_session *s, struct mm_struct *mm,
			    unsigned long addr, enum kmr_pte_cause cause,
			    const struct kmr_fault_info *f);
void kmr_emit_pte_val_fault(struct kmr_session *s, unsigned long vaddr,
			    u64 entry, enum kmr_pte_cause cause,
			    const struct kmr_fault_info *f);

/*
 * kmr_emit_vma_window - KMR_EV_VMA_SYNC + one KMR_EV_VMA per VMA of @mm
 * overlapping [start, end) (clipped to the traced range; VMAs are sent
 * whole, named as /proc/pid/maps names them).  The caller holds @mm's
 * mmap_lock (read or write), which orders VMA changes.  Returns the number
 * of VMAs or a negative errno.
 */
long kmr_emit_vma_window(struct kmr_session *s, struct mm_struct *mm,
			 unsigned long start, unsigned long end,
			 enum kmr_vma_cause cause);

/* ------------------------------------------------------------------------ */
/* Statistics (vmastat.c): KMR_IOC_STATS, the seed's per-VMA pf_stat        */
/* ------------------------------------------------------------------------ */

/*
 * Count a finished fault (KMR_FAULT_* flags: MAJOR and WRITE matter) or a
 * CoW copy, attributed to the VMA that started at @vm_start when it
 * happened (save vma->vm_start at kretprobe entry: the VMA may be gone at
 * return).  Lock-free, any context but NMI.
 */
void kmr_stat_fault(struct kmr_session *s, unsigned long vm_start,
		    u32 fault_flags);
void kmr_stat_cow(struct kmr_session *s, unsigned long vm_start);
void kmr_stat_mem_write(struct kmr_session *s);
void kmr_stat_totals(struct kmr_session *s, struct kmr_stats *st);

/* ------------------------------------------------------------------------ */
/* Session life cycle events the hooks report (session.c)                  */
/* ------------------------------------------------------------------------ */

/*
 * The target's mm is going away (mmu_notifier ->release on exit, NOT on
 * exec), or an exec cannot be followed: end the session's stream with
 * KMR_EV_EXIT (@exit_code as wait() reports it, -1 if unknown; @exit_flags
 * KMR_EXIT_F_*) as its last record, unless STOP, DETACH or close() ended
 * it first; returns once the stream has ended.  May sleep; takes no
 * session mutex and calls no probes_*() function, so it is safe from
 * ->release.
 */
void kmr_session_target_exit(struct kmr_session *s, int exit_code,
			     u32 exit_flags);
/* The exit code of the exiting current task, as wait() will report it. */
int kmr_task_exit_code(void);

/*
 * The target exec'ed: call from the exec'ing task after begin_new_exec()
 * succeeded, where it may sleep and no user instruction of the new image
 * has run (task_work), for each session that traced @old_mm (the task's mm
 * before the exec; compared only).  Takes the session out of the traced
 * set (no record of the old mm follows), emits KMR_EV_EXEC, checks that the
 * recorder may trace the new image (@secure: the exec's bprm->secureexec;
 * if not, KMR_EV_EXIT with KMR_EXIT_F_EXEC_DENIED and the reason ends the
 * stream), moves the per-mm hooks (kmr_probes_detach(), then
 * kmr_probes_attach(s, new_mm)) and emits a snapshot with cause
 * KMR_SNAP_EXEC, whose BEGIN puts the session back in the set on @new_mm.
 * A session that ended meanwhile or is not on @old_mm is left alone.
 * @filename may be NULL.  Returns 0 or a negative errno (the stream is then
 * ended, not left half-switched): afterwards the session no longer traces
 * @old_mm.
 */
int kmr_session_exec(struct kmr_session *s, struct mm_struct *old_mm,
		     struct mm_struct *new_mm, const char *filename,
		     bool secure);

/* ------------------------------------------------------------------------ */
/* Provided by probes*.c (kprobes)                                          */
/* ------------------------------------------------------------------------ */

/* Module load/unload (after every session is gone; may sleep). */
int kmr_probes_init(void);
void kmr_probes_exit(void);
/*
 * Global hooks: registered on the first get, unregistered (and synchronized:
 * no handler running) on the last put.  Called at ATTACH / DETACH.  Sleeps.
 */
int kmr_probes_get(void);
void kmr_probes_put(void);
/*
 * Per-session, per-mm hooks (mmu_notifier, VMA shadow).  attach is called
 * after kmr_probes_get(), with no mmap_lock held, before the session can
 * start; detach undoes it (idempotent; never called from ->release; after it
 * returns no hook may use @s without a reference).
 */
int kmr_probes_attach(struct kmr_session *s, struct mm_struct *mm);
void kmr_probes_detach(struct kmr_session *s);
/*
 * Hooks that could not run (a kretprobe with every instance in use): since
 * the last call, report them as KMR_EV_LOST (with the kinds they would have
 * produced) in every started session, which then resyncs.  The hooks call
 * it themselves; the core calls it before a stream ends.  Any context but
 * NMI.
 */
void kmr_probes_check_missed(void);

/* ------------------------------------------------------------------------ */
/* Provided by kmemfetch (fetch*.c)                                         */
/* ------------------------------------------------------------------------ */

/*
 * Dispatch points for the fd's pread/pwrite and KMR_IOC_MEM/WALK/PAGE.
 * @s is the file's session (state may be unattached: check it); called
 * without s->lock.  Helpers they may use: kmr_session_get_mm(),
 * kmr_perm_get_mm(), the page-table walker in pgwalk.h,
 * kmr_emit_mem_write() and kmr_stat_mem_write().
 */
u64 kmr_fetch_features(void);	/* KMR_FEAT_* for KMR_IOC_VERSION */
long kmr_fetch_ioctl_mem(struct kmr_session *s, void __user *arg);
long kmr_fetch_ioctl_walk(struct kmr_session *s, void __user *arg);
long kmr_fetch_ioctl_page(struct kmr_session *s, void __user *arg);
ssize_t kmr_fetch_pread(struct kmr_session *s, char __user *buf, size_t len,
			loff_t *pos);
ssize_t kmr_fetch_pwrite(struct kmr_session *s, const char __user *buf,
			 size_t len, loff_t *pos);

/*
 * The attached target's mm with an mm_users reference (mmput() it), or NULL
 * when the session is not attached, is detached, or the target is gone.
 * Takes the session mutex: call it without holding it (kmr_fetch_* are
 * called without it).
 */
struct mm_struct *kmr_session_get_mm(struct kmr_session *s);

/*
 * The mm of the process @pid (as the caller's pid namespace numbers it),
 * with an mm_users reference, if the caller passes ptrace's
 * PTRACE_MODE_ATTACH_REALCREDS check (the kernel's own ptrace_may_access,
 * under the target's exec_update_lock).  ERR_PTR(-ESRCH) no such process
 * or no mm left, -EPERM not allowed, -EINVAL a kernel thread, -EINTR.
 * *@tgid (may be NULL) gets the target's tgid as the kernel numbers it
 * (init_pid_ns; compare with current->tgid).  Sleeps.
 */
struct mm_struct *kmr_perm_get_mm(pid_t pid, pid_t *tgid);

#endif /* _KMEMREC_H */
