/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Shared state of the hooks (probes.c, probe_*.c).  The API the core calls
 * (kmr_probes_init/get/put/attach/detach) is declared in kmemrec.h.
 *
 * One struct kmr_pmm exists per traced mm while at least one session is
 * attached to it: it is the mmu_notifier subscription (shared by every
 * session on that mm, mmu_notifier_get_locked() refcounts it) and holds the
 * VMA shadow diffed at each mmap write-unlock.  Attached mms are listed in
 * an RCU-replaced array (kmr_pmms) so the up_write hook can find the mm of
 * a semaphore by pointer comparison only.
 */
#ifndef _KMR_PROBES_H
#define _KMR_PROBES_H

#include <linux/kprobes.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rbtree.h>
#include <linux/types.h>
#include "kmemrec.h"

/* One VMA as the shadow remembers it: what KMR_EV_VMA would show. */
struct kmr_vshadow {
	struct rb_node rb;		/* in kmr_pmm.sh, by start */
	unsigned long start;
	unsigned long end;
	unsigned long flags;		/* vm_flags */
	unsigned long pgoff;
	const void *file;		/* identity only, never dereferenced */
	const void *name;		/* anon_vma_name identity, or NULL */
	unsigned long cls;		/* KMR_VSH_*: names derived from the mm */
};

/* "[heap]" and "[stack]" depend on mm->brk/start_stack, not on the VMA. */
#define KMR_VSH_HEAP		BIT(0)
#define KMR_VSH_STACK		BIT(1)

/* Address ranges, kept nearly sorted; merged when they touch or overflow. */
#define KMR_RANGES_MAX		16

struct kmr_ranges {
	unsigned int nr;
	bool overflow;			/* more came than fit: merged */
	struct {
		unsigned long start, end;
	} r[KMR_RANGES_MAX];
};

void kmr_ranges_add(struct kmr_ranges *rs, unsigned long start,
		    unsigned long end);
/* Sort by start and merge overlapping or touching ranges. */
void kmr_ranges_normalize(struct kmr_ranges *rs);

struct kmr_pmm {
	struct mmu_notifier mn;		/* mn.mm is the traced mm */
	unsigned int users;		/* attached sessions, under kmr_attach_lock */
	bool listed;			/* in kmr_pmms */

	/* Below: used with the mm's mmap_lock held for write. */
	struct rb_root sh;		/* the VMA shadow: kmr_vshadow by start */
	bool sh_valid;			/* false: next commit diffs everything */
	struct kmr_ranges hint;		/* ranges VMA operations touched */
	struct kmr_ranges rewalk;	/* invalidated: re-read at commit */
};

struct kmr_pmm_ent {
	const struct rw_semaphore *sem;	/* &mm->mmap_lock */
	struct kmr_pmm *pmm;
};

struct kmr_pmm_set {
	struct rcu_head rcu;
	unsigned int nr;
	struct kmr_pmm_ent e[];
};

extern struct kmr_pmm_set __rcu *kmr_pmms;
/* Serializes attach/detach/release bookkeeping (never taken by hooks). */
extern struct mutex kmr_attach_lock;

/* The attached mm whose mmap_lock is @sem, or NULL.  RCU (sched) reader. */
static __always_inline struct kmr_pmm *kmr_pmm_of_sem(const void *sem)
{
	const struct kmr_pmm_set *set =
		rcu_dereference_check(kmr_pmms, rcu_read_lock_any_held());
	unsigned int i;

	if (likely(!set))
		return NULL;
	for (i = 0; i < set->nr; i++)
		if (set->e[i].sem == sem)
			return set->e[i].pmm;
	return NULL;
}

/* probes.c: the kmr_pmms array (kmr_attach_lock held). */
int kmr_pmm_list(struct kmr_pmm *pmm);
void kmr_pmm_unlist(struct kmr_pmm *pmm);

/*
 * Each subsystem registers its hooks on the first kmr_probes_get() and
 * removes them on the last kmr_probes_put(); *_unregister() returns once no
 * handler of it runs any more.  Each probe file's kretprobe is registered
 * disabled at module load (*_load()) and unregistered at module exit
 * (*_unload()); the first ATTACH arms what needs arming (*_register()),
 * the end of the linger disarms it (*_unregister()).
 */
/* probes.c: one entry hook at @sym, for a probe file's *_entry_addrs() */
int kmr_entry_addr_one(const char *sym, unsigned long *func,
		       unsigned long *addrs, unsigned int room);
/* probe_faults.c: the kretprobes registered disabled, armed from the ops */
struct kmr_missed;
int kmr_kri_load(struct kretprobe *rp, const char *sym, bool *loaded);
void kmr_kri_unload(struct kretprobe *rp, bool *loaded);
int kmr_kri_enable(struct kmr_missed *m);
void kmr_kri_disable(struct kretprobe *rp);
bool kmr_kri_fentry(void);
struct kretprobe_instance *kmr_kri_get(struct kretprobe *rp, atomic_t *nomore);
void kmr_kri_arm(struct kretprobe_instance *ri, struct ftrace_regs *fregs);
void kmr_kri_put(struct kretprobe_instance *ri);
/* the entry hooks of probe_migrate.c and probe_proc.c, on the shared ops */
bool kmr_migrate_entry(unsigned long ip, struct ftrace_regs *fregs);
int kmr_migrate_entry_addrs(unsigned long *addrs, unsigned int room);
bool kmr_proc_entry(unsigned long ip, struct ftrace_regs *fregs);
int kmr_proc_entry_addrs(unsigned long *addrs, unsigned int room);
int kmr_faults_load(void);
void kmr_faults_unload(void);
int kmr_faults_register(void);
void kmr_faults_unregister(void);
int kmr_migrate_load(void);
void kmr_migrate_unload(void);
int kmr_migrate_register(void);
void kmr_migrate_unregister(void);
int kmr_proc_load(void);
void kmr_proc_unload(void);
int kmr_proc_register(void);
void kmr_proc_unregister(void);
/*
 * Module unload: queued exec task_work holds a module reference; this waits
 * until none is still returning from the module's text.
 */
void kmr_proc_drain(void);

/*
 * A kretprobe whose runs may be missed (every instance in use: nmissed
 * grows, and neither handler runs).  Its hooks call kmr_missed_check(),
 * which reports what was missed since the last call as KMR_EV_LOST of
 * @kinds in every started session (they then resync).
 */
struct kmr_missed {
	struct kretprobe *rp;
	atomic_t *own;			/* misses counted by our own entry */
	u64 kinds;			/* BIT_ULL(KMR_EV_*) a run would emit */
	atomic_t seen;			/* misses reported so far */
};

void kmr_missed_report(struct kmr_missed *m, int now, int seen);

/* Inline: every traced fault's entry runs it, and it finds nothing new. */
static __always_inline void kmr_missed_check(struct kmr_missed *m)
{
	/* entry misses (no instance) and misses while another probe ran */
	int now = READ_ONCE(m->rp->nmissed) + (int)READ_ONCE(m->rp->kp.nmissed) +
		  (m->own ? atomic_read(m->own) : 0);
	int seen = atomic_read(&m->seen);

	if (unlikely(now != seen))
		kmr_missed_report(m, now, seen);
}

/* Every counter it reads from 0: the first ATTACH (kmr_kri_enable()). */
void kmr_missed_reset(struct kmr_missed *m);

/*
 * An ftrace_ops callback's @ip is the __fentry__ call site: a function's
 * first instruction, or the one after its ENDBR (4 bytes).  One ftrace_ops
 * over several functions (each ops registered costs a pass over every
 * ftrace record and text patching, its removal an RCU-tasks grace
 * period) tells them apart with this.
 */
#define KMR_FENTRY_SLACK	16

static inline bool kmr_fentry_of(unsigned long ip, unsigned long func)
{
	return ip - func < KMR_FENTRY_SLACK;
}

/*
 * The entry hooks of every probe file share one ftrace_ops (probes.c):
 * registering it is one pass over the ftrace records, not one per file.
 * Each file resolves its functions' addresses into @addrs (at most @room;
 * the count, or an errno) and tells its call sites apart: true when @ip
 * was one of its own.
 */
int kmr_faults_entry_addrs(unsigned long *addrs, unsigned int room);
bool kmr_faults_entry(unsigned long ip, unsigned long pip,
		      struct ftrace_ops *op, struct ftrace_regs *fregs);
int kmr_vma_entry_addrs(unsigned long *addrs, unsigned int room);
bool kmr_vma_entry(unsigned long ip, unsigned long pip,
		   struct ftrace_ops *op, struct ftrace_regs *fregs);

/*
 * Register @rp at the function @sym, found by address through
 * kmr_ksym_hook_addr() (checked and resolved once per module load).
 */
int kmr_hook_kretprobe(struct kretprobe *rp, const char *sym);
/* Each subsystem's kmr_missed_check() calls (kmr_probes_check_missed()). */
void kmr_faults_check_missed(void);
void kmr_migrate_check_missed(void);
void kmr_proc_check_missed(void);

/* probe_mmu.c */
extern const struct mmu_notifier_ops kmr_mn_ops;

/* probe_vma_shadow.c: the VMA shadow (mmap_lock held for write). */
int kmr_vma_shadow_init(struct kmr_pmm *pmm, struct mm_struct *mm);
void kmr_vma_shadow_free(struct kmr_pmm *pmm);
/*
 * Diff the mm's VMAs overlapping [start, end) (grown to whole VMAs, old and
 * new) against the shadow and bring the shadow up to date: @win gets the
 * changed extents, @fresh the addresses newly covered by a VMA (with
 * @whole: every changed new VMA, whose PTEs may have moved in).  Returns
 * false when the shadow could not be updated (an atomic allocation failed):
 * the caller then resends everything and the shadow is rebuilt next time.
 */
bool kmr_vma_shadow_diff(struct kmr_pmm *pmm, struct mm_struct *mm,
			 unsigned long start, unsigned long end, bool whole,
			 struct kmr_ranges *win, struct kmr_ranges *fresh);
/* probe_vma.c: remember a range invalidated under our mmap write lock. */
void kmr_vma_note_rewalk(struct kmr_pmm *pmm, unsigned long start,
			 unsigned long end);

/* probe_faults.c: the fault in progress on the current task, if any. */
struct kmr_fctx;
struct kmr_fctx *kmr_fctx_current(void);
/* True when @ctx is a CoW of [start, end) the fault return will report. */
bool kmr_fctx_owns_cow(struct kmr_fctx *ctx, struct mm_struct *mm,
		       unsigned long start, unsigned long end);
/* ... and it is done with it: the fault's return is not needed. */
void kmr_fctx_cow_done(struct kmr_fctx *ctx);

/* probe_proc.c: ->release of a traced mm (exit, or the old mm of exec). */
void kmr_proc_mm_released(struct kmr_pmm *pmm, struct mm_struct *mm);

#endif /* _KMR_PROBES_H */
