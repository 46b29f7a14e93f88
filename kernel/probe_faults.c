// SPDX-License-Identifier: GPL-2.0
/*
 * Page faults on a traced mm: KMR_EV_FAULT, the final PTE of every fault,
 * CoW (old and new pfn), fault-around neighbours, swap-in and migration.
 *
 * The one return hook on the hot path is a kretprobe on handle_mm_fault(),
 * the common entry of user faults (mmap_lock or per-VMA lock), GUP and
 * remote faults on both kernels, armed from the shared ftrace_ops rather
 * than by its kprobe (kmr_hmf_fentry()).  Its entry saves what the return needs (the
 * VMA may be gone at return with RETRY/COMPLETED) in the instance data,
 * struct kmr_fctx, so the cheap entry-only hooks inside the fault
 * (ftrace_ops on do_wp_page, the new-anon rmap, the PTE setter,
 * do_swap_page) can annotate it.  They find it on the task's own list of
 * pending returns (kmr_fctx_current()).  At return
 * the PTEs the fault set are re-read under their PTL (kmr_emit_pte_one/
 * range): each record states the page table as it is at its seq, so a
 * racing unmap or a second thread cannot make the stream wrong, only
 * redundant.  The exception is the fault's own new anonymous page (first
 * touch, CoW, private file write): the rmap hook sends its PTE, built as
 * the kernel builds it, under the PTL that orders it, which saves a
 * page-table walk per fault.  The CoW record is sent there too: the hook
 * runs only when the copy really happens (a CoW that lost a race backs out
 * before it).  Migration: probe_migrate.c.
 *
 * One record per fault (issue 10): the fault's own KMR_EV_FAULT rides in
 * its PTE record (KMR_PTE_F_FAULT) wherever every field of it is final
 * when that record is sent.  At the rmap hook that is the new anonymous
 * page of an anonymous VMA and every CoW copy: nothing after the rmap can
 * make those faults fail, retry or become major (the I/O a major fault
 * needs, and FAULT_FLAG_TRIED, come before; the return checks it).  At
 * the return it is every fault whose PTE is re-read there.  The others
 * (errors, RETRY/COMPLETED, the private file page of do_cow_fault(),
 * which may have read the file, a swap-in) send KMR_EV_FAULT alone at the
 * return, as before.  The PTE part keeps its seq under the PTL.
 *
 * Cost per traced anonymous write fault: two ftrace_ops calls (the entry,
 * the rmap hook) and one record (PTE with FAULT).  The
 * first touch of an anonymous page has nothing left for the return to do
 * once that record is out: the rmap hook takes the return hook back
 * (kmr_fctx_disarm()).
 */
#include <linux/kprobes.h>
#include <linux/llist.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/percpu.h>
#include <linux/pgtable.h>
#include <linux/rethook.h>
#include <linux/sched.h>
#include "compat/probes.h"
#include "ksyms.h"
#include "pgentry.h"
#include "probes.h"

struct kmr_fctx {
	struct mm_struct *mm;
	unsigned long vaddr;		/* faulting address */
	unsigned long addr;		/* its page */
	unsigned long ip;		/* user ip, 0 if not from user mode */
	unsigned long vm_start;
	unsigned int flags;		/* FAULT_FLAG_* */
	unsigned int state;		/* KMR_FCTX_* */
	unsigned long lo, hi;		/* other PTEs this fault set */
	unsigned long old_pfn;		/* do_wp_page: the page being written */
	u32 cow_flags;
	u32 ff_sent;			/* KMR_FCTX_FAULT: its fault_flags */
};

#define KMR_FCTX_WP		BIT(1)	/* do_wp_page ran on addr */
#define KMR_FCTX_COW		BIT(2)	/* ... and copied the page */
#define KMR_FCTX_SWAP		BIT(3)	/* do_swap_page ran on addr */
#define KMR_FCTX_PTE		BIT(4)	/* addr's PTE already sent */
#define KMR_FCTX_FAULT		BIT(5)	/* ... with the FAULT inside */

/*
 * Faults in progress at once on traced mms: every one holds a kretprobe
 * instance from entry to return, a thread asleep in a fault (I/O, a lock,
 * userfaultfd) for as long as it sleeps.  A fault that finds none is not
 * seen at all; kmr_missed_check() reports it (KMR_EV_LOST, then a resync).
 */
static unsigned int kmr_fault_maxactive = 4096;
module_param_named(fault_maxactive, kmr_fault_maxactive, uint, 0444);
MODULE_PARM_DESC(fault_maxactive,
		 "page faults of traced processes that can be in progress at once (64..65536, default 4096); more are reported lost");

/*
 * x86 kretprobes run on rethook (since 5.19; both Debian kernels): an armed
 * instance is a rethook_node on the task's own list of pending returns,
 * current->rethooks, from the probed function's entry to its return,
 * innermost first.  The hooks inside a fault find its context there: no
 * table to insert into and remove from on every fault, and none to fill.
 */
#ifndef CONFIG_KRETPROBE_ON_RETHOOK
#error "kmemrec needs CONFIG_KRETPROBE_ON_RETHOOK (x86 kernels since 5.19)"
#endif

/*
 * The fault kretprobe's rethook while it is registered, NULL otherwise.
 * Only compared: an instance on a task's list keeps its rethook alive.
 */
static struct rethook *kmr_hmf_rh;

/*
 * The innermost fault of the current task on a traced mm (its kretprobe is
 * armed only for those), or NULL.  Only this task adds to and removes from
 * its list; an interrupt that does puts back what it took before we run
 * again.  Any context that can see current, preemption off or RCU.
 */
struct kmr_fctx *kmr_fctx_current(void)
{
	struct rethook *rh = READ_ONCE(kmr_hmf_rh);
	struct llist_node *n;

	if (!rh)
		return NULL;
	for (n = READ_ONCE(current->rethooks.first); n; n = READ_ONCE(n->next)) {
		struct rethook_node *rn =
			container_of(n, struct rethook_node, llist);
		struct kretprobe_instance *ri;

		if (READ_ONCE(rn->rethook) != rh)
			continue;
		ri = container_of(rn, struct kretprobe_instance, node);
		return (struct kmr_fctx *)ri->data;
	}
	return NULL;
}

/*
 * Taking back the return hook of a fault whose record is complete (issue
 * 10): its return would cost the rethook trampoline (a full pt_regs frame,
 * a walk of the list, the kretprobe handler) and do nothing.  x86's
 * arch_rethook_prepare() saved the real return address in the node
 * (ret_addr) and put arch_rethook_trampoline in its stack slot (frame); the
 * trampoline's handler restores the one, unlinks the node and recycles it.
 * kmr_fctx_disarm() does the same three steps early, only when
 *   - the fault's node is the innermost on current's list: nothing hooked
 *     the return of a function called since (that hook would be first);
 *   - the slot still holds the trampoline: nothing else (the function
 *     graph tracer) took the return after the kretprobe did;
 *   - the rethook is not being freed (its handler is still set);
 * and in that order (stack, then list), so that an unwinder in an NMI in
 * between finds either the trampoline and its node or the real address.
 * Interrupts that hook returns on this task push and pop their own nodes
 * above ours and leave the list as they found it.
 *
 * The recycling is rethook_recycle()'s live branch, inline: that function
 * is not exported, and with IBT (6.12) an indirect call to a function the
 * kernel never calls indirectly faults (compat/ibt.h).  The pool push runs
 * inside this RCU reader, as rethook_recycle()'s does, so a rethook freed
 * meanwhile (after a grace period) frees the node with its pool.  The
 * trampoline's address is only compared.  Without it nothing is taken
 * back.
 */
static unsigned long kmr_rethook_tramp;

/*
 * N: leave the kretprobes to their kprobes, as on a kernel where
 * arch_rethook_trampoline is not found: each traced fault's entry is a
 * kprobe and its return always runs.  Slower; it exists so that the guest
 * case kprobes_fallback can test that path on kernels that have the
 * symbol.
 */
static bool kmr_fast_returns = true;
module_param_named(fast_returns, kmr_fast_returns, bool, 0444);
MODULE_PARM_DESC(fast_returns,
		 "arm the kretprobes from the shared ftrace_ops and take a finished fault's return back (default Y); N uses their kprobes, as a kernel without arch_rethook_trampoline would");

static void kmr_fctx_disarm_init(void)
{
	static bool done;

	if (done)
		return;
	done = true;
	if (!kmr_fast_returns) {
		pr_info("kmemrec: fast_returns=N: the fault hook's entry is a kprobe and every traced fault runs its return hook\n");
		return;
	}
	kmr_rethook_tramp = kmr_ksym_lookup("arch_rethook_trampoline");
	if (!kmr_rethook_tramp)
		pr_info("kmemrec: arch_rethook_trampoline not found: the fault hook's entry is a kprobe and every traced fault runs its return hook\n");
}

/*
 * One free instance of the fault kretprobe per CPU, held out of its pool.
 * A traced fault whose record went out at the rmap hook gives its instance
 * back (kmr_fctx_disarm()), and the next traced fault on that CPU takes it
 * again (kmr_hmf_fentry()): a per-CPU exchange each way, where the pool's
 * pop and push cost ~75 instructions a fault on 6.12 (objpool) and two
 * locked cmpxchg loops on one shared head on 6.1 (freelist).  The pool
 * frees only what it holds: kmr_faults_unload() puts the spares back
 * before the kretprobe goes.  Any context (this_cpu ops are preemption
 * and interrupt safe; the notifier's kmr_fctx_cow_done() is preemptible).
 */
static DEFINE_PER_CPU(struct rethook_node *, kmr_hmf_spare);

static __always_inline void kmr_hmf_spare_put(struct rethook_node *rn)
{
	if (this_cpu_cmpxchg(kmr_hmf_spare, NULL, rn))
		kmr_rethook_pool_push(rn);	/* this CPU has one */
}

/* Every CPU's spare back into the pool (module exit: no hook runs). */
static void kmr_hmf_spares_drain(void)
{
	int cpu;

	for_each_possible_cpu(cpu) {
		struct rethook_node *rn =
			xchg(per_cpu_ptr(&kmr_hmf_spare, cpu), NULL);

		if (rn)
			kmr_rethook_pool_push(rn);
	}
}

/*
 * @c: the context kmr_fctx_current() gave, in an RCU reader (the pool push
 * must not outlive a grace period).  Preemption may be on: only this task
 * changes its list and the stack slot.
 */
static __always_inline bool kmr_fctx_disarm(struct kmr_fctx *c)
{
	struct llist_node *first = current->rethooks.first;
	struct kretprobe_instance *ri;
	struct rethook_node *rn;
	unsigned long *slot;

	if (!kmr_rethook_tramp || !first)
		return false;
	rn = container_of(first, struct rethook_node, llist);
	ri = container_of(rn, struct kretprobe_instance, node);
	if (rn->rethook != READ_ONCE(kmr_hmf_rh) ||
	    (struct kmr_fctx *)ri->data != c ||
	    !rcu_access_pointer(rn->rethook->handler))
		return false;
	slot = (unsigned long *)rn->frame;
	if (READ_ONCE(*slot) != kmr_rethook_tramp)
		return false;
	WRITE_ONCE(*slot, rn->ret_addr);
	barrier();	/* the return address is real before the node goes */
	WRITE_ONCE(current->rethooks.first, first->next);
	first->next = NULL;
	kmr_hmf_spare_put(rn);
	return true;
}

/*
 * A fault whose record (with its FAULT, flags @ff) is out and that set no
 * other PTE: take its return back and count the fault here, as the return
 * would have.  True if it did; @c is recycled then.
 */
static __always_inline bool kmr_fctx_finish_early(struct kmr_fctx *c, u32 ff)
{
	struct mm_struct *mm = c->mm;
	unsigned long vm_start = c->vm_start;
	struct kmr_session *s;

	if (c->hi > c->lo || !kmr_fctx_disarm(c))
		return false;
	kmr_for_each_session_mm(mm, s)
		kmr_stat_fault(s, vm_start, ff);
	return true;
}

bool kmr_fctx_owns_cow(struct kmr_fctx *c, struct mm_struct *mm,
		       unsigned long start, unsigned long end)
{
	return c && c->mm == mm && (c->state & KMR_FCTX_WP) &&
	       start == c->addr && end == start + PAGE_SIZE;
}

/*
 * The notifier's range end of the fault's own CoW (probe_mmu.c): the last
 * hook a CoW runs, after the copy's PTE is set.  Its record went out at
 * the rmap hook with every field final; the return would only count the
 * fault, so it is taken back here (kmr_fctx_disarm()).  A CoW that lost
 * its race (no copy, nothing sent) keeps its return, which re-reads.
 */
void kmr_fctx_cow_done(struct kmr_fctx *c)
{
	const unsigned int done = KMR_FCTX_COW | KMR_FCTX_FAULT;

	if ((c->state & done) == done)
		kmr_fctx_finish_early(c, c->ff_sent);
}

/* Widen the range of other PTEs set by the fault in progress. */
static void kmr_fctx_extend(struct kmr_fctx *c, unsigned long start,
			    unsigned long end)
{
	if (start == c->addr && end == c->addr + PAGE_SIZE)
		return;
	if (c->hi <= c->lo) {
		c->lo = start;
		c->hi = end;
		return;
	}
	c->lo = min(c->lo, start);
	c->hi = max(c->hi, end);
}

/* ------------------------------------------------------------------------ */
/* handle_mm_fault: kretprobe                                               */
/* ------------------------------------------------------------------------ */

/*
 * An instance from @rh's pool (its kretprobe's), or NULL: the pool is empty
 * (counted in @nomore, reported as lost).  Inline: the fault's entry runs
 * it on every traced fault.
 */
static __always_inline struct kretprobe_instance *
kmr_kri_pop(struct rethook *rh, atomic_t *nomore)
{
	struct rethook_node *rn = kmr_rethook_pool_pop(rh);

	if (!rn) {
		atomic_inc(nomore);
		return NULL;
	}
	return container_of(rn, struct kretprobe_instance, node);
}

static struct kretprobe kmr_hmf_probe;
/* registered (disabled) since module load: kmr_faults_load() */
static bool kmr_hmf_loaded;

/* Faults kmr_hmf_fentry() found no instance for. */
static atomic_t kmr_hmf_nomore;

/*
 * An instance for a traced fault's entry: this CPU's spare, else one from
 * the pool.  The spare is taken only where the pool would give one (the
 * rethook's handler is set; RCU watches a fault's entry), and only of
 * this rethook (spares are drained before it is freed).
 */
static __always_inline struct kretprobe_instance *
kmr_hmf_take(struct rethook *rh)
{
	struct rethook_node *rn;

	if (likely(rcu_access_pointer(rh->handler))) {
		rn = this_cpu_xchg(kmr_hmf_spare, NULL);
		if (likely(rn && rn->rethook == rh))
			return container_of(rn, struct kretprobe_instance,
					    node);
		/* another rethook's: cannot be (drained first); leak it */
		WARN_ON_ONCE(rn);
	}
	return kmr_kri_pop(rh, &kmr_hmf_nomore);
}

/* A fault not seen at all: its records, and its CoW's. */
static struct kmr_missed kmr_hmf_missed = {
	.rp = &kmr_hmf_probe,
	.own = &kmr_hmf_nomore,
	.kinds = BIT_ULL(KMR_EV_FAULT) | BIT_ULL(KMR_EV_PTE) |
		 BIT_ULL(KMR_EV_COW) | BIT_ULL(KMR_EV_PAGE_DATA),
};

/* What the return and the hooks inside the fault need, from its arguments. */
static void kmr_hmf_fill(struct kmr_fctx *c, struct vm_area_struct *vma,
			 unsigned long address, unsigned int flags,
			 struct pt_regs *uregs)
{
	c->mm = vma->vm_mm;
	c->vaddr = address;
	c->addr = address & PAGE_MASK;
	c->flags = flags;
	c->ip = uregs && user_mode(uregs) ? instruction_pointer(uregs) : 0;
	c->vm_start = vma->vm_start;
	c->state = 0;
	c->lo = 0;
	c->hi = 0;
}

/* The kretprobe's own entry: only where kmr_hmf_fentry() cannot arm. */
static int kmr_hmf_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 0);

	if (likely(!kmr_mm_traced(vma->vm_mm)))
		return 1;	/* no return instance used */
	kmr_missed_check(&kmr_hmf_missed);
	kmr_hmf_fill((struct kmr_fctx *)ri->data, vma,
		     regs_get_kernel_argument(regs, 1),
		     regs_get_kernel_argument(regs, 2),
		     (struct pt_regs *)regs_get_kernel_argument(regs, 3));
	return 0;	/* armed: on current->rethooks until the return */
}

/*
 * handle_mm_fault(vma, address, flags, regs) from the shared ftrace_ops
 * (issue 10).  The kretprobe is registered disabled: it provides the
 * rethook (the pool of instances, the trampoline's handler that calls
 * kmr_hmf_return()), and this entry arms an instance the way its kprobe
 * would (pre_handler_kretprobe(): rethook_try_get(), rethook_hook()),
 * without the kprobe around it.  A fault of a process nobody traces then
 * costs one ftrace_ops call and the mm test, where the kprobe took an
 * instance from the pool and gave it back: on 6.1 a cmpxchg on one pool
 * head shared by every CPU, for every page fault on the machine while a
 * session runs.  Those two functions are not exported and IBT forbids
 * calling them through a pointer (compat/ibt.h): the pool pop and the
 * arming are theirs, inline (compat/probes.h).
 */
static void notrace kmr_hmf_fentry(struct ftrace_regs *fregs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)kmr_farg(fregs, 0);
	struct kretprobe_instance *ri;
	struct rethook *rh;

	if (likely(!kmr_mm_traced(vma->vm_mm)))
		return;
	rh = READ_ONCE(kmr_hmf_rh);
	if (!rh || !kmr_rethook_tramp)	/* no trampoline: the kprobe arms */
		return;
	kmr_missed_check(&kmr_hmf_missed);
	ri = kmr_hmf_take(rh);
	if (!ri)
		return;
	kmr_hmf_fill((struct kmr_fctx *)ri->data, vma, kmr_farg(fregs, 1),
		     kmr_farg(fregs, 2), (struct pt_regs *)kmr_farg(fregs, 3));
	kmr_rethook_arm(&ri->node, kmr_fsp(fregs), kmr_rethook_tramp);
}

/*
 * The other kretprobes registered disabled (probe_migrate.c, probe_proc.c)
 * are armed the same way from the shared ftrace_ops: enabling a kprobe at
 * the first ATTACH and disabling it after the linger is another ftrace
 * filter update and text patching each time (~11 M instructions of a
 * cold ATTACH on 6.1 for the two).  Their entry takes an instance
 * (kmr_kri_get()), fills it as their kretprobe's entry handler would, and
 * arms it (kmr_kri_arm()) or gives it back (kmr_kri_put()).  Without the
 * trampoline (kmr_kri_fentry() false) their kprobe is enabled instead.
 */
bool kmr_kri_fentry(void)
{
	return kmr_rethook_tramp != 0;
}

/* An instance of @rp, or NULL: the pool is empty (counted in @nomore). */
struct kretprobe_instance *kmr_kri_get(struct kretprobe *rp, atomic_t *nomore)
{
	struct rethook *rh = READ_ONCE(rp->rh);

	if (!rh || !kmr_rethook_tramp)
		return NULL;
	return kmr_kri_pop(rh, nomore);
}

/* Arm @ri on the return of the function whose ftrace entry @fregs is. */
void kmr_kri_arm(struct kretprobe_instance *ri, struct ftrace_regs *fregs)
{
	kmr_rethook_arm(&ri->node, kmr_fsp(fregs), kmr_rethook_tramp);
}

/* An instance kmr_kri_get() gave that is not armed after all. */
void kmr_kri_put(struct kretprobe_instance *ri)
{
	kmr_rethook_pool_push(&ri->node);
}

/*
 * Module load (or the ATTACH after a load that failed): @rp registered on
 * @sym, disabled, until kmr_kri_unload() at module exit.  Registering is
 * most of what a cold ATTACH used to cost (register_kprobe() checks the
 * address against every jump label with the instruction decoder,
 * jump_label_text_reserved(): ~2,400 decodes per kprobe on 6.1).  A
 * disabled kprobe patches no instruction and runs nothing.
 */
int kmr_kri_load(struct kretprobe *rp, const char *sym, bool *loaded)
{
	int ret;

	if (*loaded)
		return 0;
	rp->kp.flags = KPROBE_FLAG_DISABLED;
	ret = kmr_hook_kretprobe(rp, sym);
	if (!ret)
		*loaded = true;
	return ret;
}

void kmr_kri_unload(struct kretprobe *rp, bool *loaded)
{
	if (*loaded)
		unregister_kretprobe(rp);
	*loaded = false;
}

/*
 * The first ATTACH: the counters of @m's kretprobe from 0, and its kprobe
 * enabled where no entry on the shared ftrace_ops arms it (a kernel
 * without the trampoline).
 */
int kmr_kri_enable(struct kmr_missed *m)
{
	kmr_missed_reset(m);
	return kmr_rethook_tramp ? 0 : enable_kretprobe(m->rp);
}

/*
 * After the linger; the entry ops goes too, and arms no new instance.
 * Returns armed before still run their handler, which finds no session.
 */
void kmr_kri_disable(struct kretprobe *rp)
{
	if (!kmr_rethook_tramp)
		disable_kretprobe(rp);
}

/* Inline: the rmap hook builds every first touch's FAULT with it. */
static __always_inline u32 kmr_fault_flags(const struct kmr_fctx *c,
					   vm_fault_t ret)
{
	u32 ff = 0;

	if (c->flags & FAULT_FLAG_WRITE)
		ff |= KMR_FAULT_WRITE;
	if (c->flags & FAULT_FLAG_INSTRUCTION)
		ff |= KMR_FAULT_EXEC;
	if (c->flags & FAULT_FLAG_USER)
		ff |= KMR_FAULT_USER;
	/* mm_account_fault()'s rule */
	if ((ret & VM_FAULT_MAJOR) || (c->flags & FAULT_FLAG_TRIED))
		ff |= KMR_FAULT_MAJOR;
	if ((c->flags & FAULT_FLAG_REMOTE) || current->mm != c->mm)
		ff |= KMR_FAULT_REMOTE;
	if (ret & VM_FAULT_ERROR)
		ff |= KMR_FAULT_ERROR;
	if (c->state & KMR_FCTX_WP)
		ff |= KMR_FAULT_PROT;
	return ff;
}

static void kmr_fault_info_of(struct kmr_fault_info *f,
			      const struct kmr_fctx *c, struct kmr_session *s,
			      u32 ff)
{
	f->vaddr = c->vaddr;
	f->ip = c->ip;
	f->fault_flags = ff;
	f->tid = kmr_session_tid(s);
}

/* The other PTEs the fault set (fault-around, mTHP), around its own. */
static void kmr_emit_faultaround(struct kmr_session *s,
				 const struct kmr_fctx *c)
{
	unsigned long next = c->addr + PAGE_SIZE;

	if (c->hi <= c->lo)
		return;
	if (c->lo < c->addr)
		kmr_emit_pte_range(s, c->mm, c->lo, min(c->hi, c->addr),
				   KMR_PTE_CAUSE_FAULTAROUND);
	if (c->hi > next)
		kmr_emit_pte_range(s, c->mm, max(c->lo, next), c->hi,
				   KMR_PTE_CAUSE_FAULTAROUND);
}

static int kmr_hmf_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kmr_fctx *c = (struct kmr_fctx *)ri->data;
	vm_fault_t ret = regs_return_value(regs);
	enum kmr_pte_cause cause = KMR_PTE_CAUSE_FAULT;
	struct kmr_fault_info f;
	struct kmr_session *s;
	u32 ff;

	kmr_missed_check(&kmr_hmf_missed);
	/* sent with its PTE: nothing it said may change after the rmap */
	if (c->state & KMR_FCTX_FAULT)
		WARN_ON_ONCE((ret & (VM_FAULT_RETRY | VM_FAULT_COMPLETED)) ||
			     kmr_fault_flags(c, ret) != c->ff_sent);
	/*
	 * The retried attempt reports the fault (mm_account_fault's rule),
	 * but it does not set again the PTEs this attempt's fault-around set.
	 * The fault dropped its lock: read them under one we take (pgwalk.h).
	 */
	if (ret & VM_FAULT_RETRY) {
		if (c->hi > c->lo)
			kmr_for_each_session_mm(c->mm, s)
				kmr_emit_pte_range_trylock(s, c->mm, c->lo,
							   c->hi,
							   KMR_PTE_CAUSE_FAULTAROUND);
		return 0;
	}

	ff = kmr_fault_flags(c, ret);
	if (c->state & KMR_FCTX_COW)
		cause = KMR_PTE_CAUSE_COW;
	else if (c->state & KMR_FCTX_SWAP)
		cause = KMR_PTE_CAUSE_SWAPIN;
	else if (ff & KMR_FAULT_REMOTE)
		cause = KMR_PTE_CAUSE_REMOTE;

	/*
	 * Without RETRY/COMPLETED the fault's lock (mmap_lock or the VMA's)
	 * is still held and keeps the page tables of its VMA, where these
	 * PTEs are.  COMPLETED dropped it: walk only under a lock we take.
	 */
	kmr_for_each_session_mm(c->mm, s) {
		bool sent = c->state & KMR_FCTX_FAULT;

		if (ret & VM_FAULT_COMPLETED) {
			if (c->hi > c->lo)
				kmr_emit_pte_range_trylock(s, c->mm, c->lo,
							   c->hi,
							   KMR_PTE_CAUSE_FAULTAROUND);
			if (!(c->state & KMR_FCTX_PTE))
				kmr_emit_pte_range_trylock(s, c->mm, c->addr,
							   c->addr + PAGE_SIZE,
							   cause);
		} else if (!(ret & VM_FAULT_ERROR)) {
			kmr_emit_faultaround(s, c);
			if (!(c->state & KMR_FCTX_PTE)) {
				/* re-read under the PTL, the FAULT inside */
				kmr_fault_info_of(&f, c, s, ff);
				kmr_emit_pte_one_fault(s, c->mm, c->addr, cause,
						       &f);
				sent = true;
			}
		}
		if (!sent)
			kmr_emit_fault(s, c->vaddr, c->ip, ff,
				       kmr_session_tid(s));
		kmr_stat_fault(s, c->vm_start, ff);
	}
	return 0;
}

static struct kretprobe kmr_hmf_probe = {
	.entry_handler	= kmr_hmf_entry,
	.handler	= kmr_hmf_return,
	.data_size	= sizeof(struct kmr_fctx),
	/* .maxactive: kmr_fault_maxactive, set at registration */
};

/* ------------------------------------------------------------------------ */
/* Entry hooks inside the fault: ftrace_ops                                 */
/* ------------------------------------------------------------------------ */

/* The fault in progress on current for @mm and @addr's page, or NULL. */
static struct kmr_fctx *kmr_fctx_match(struct mm_struct *mm,
				       unsigned long addr)
{
	struct kmr_fctx *c = kmr_fctx_current();

	if (c && c->mm == mm && c->addr == (addr & PAGE_MASK))
		return c;
	return NULL;
}

/* do_wp_page(vmf): PTL held, vmf->orig_pte is the read-only PTE. */
static void notrace kmr_wp_entry(unsigned long ip, unsigned long pip,
				 struct ftrace_ops *op,
				 struct ftrace_regs *fregs)
{
	struct vm_fault *vmf = (struct vm_fault *)kmr_farg(fregs, 0);
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct kmr_fctx *c;
	unsigned long pfn;

	if (likely(!kmr_mm_traced(mm)))
		return;
	c = kmr_fctx_match(mm, vmf->address);
	if (!c)
		return;
	pfn = pte_pfn(vmf->orig_pte);
	c->state |= KMR_FCTX_WP;
	c->old_pfn = pfn;
	c->cow_flags = 0;
	if (is_zero_pfn(pfn)) {
		c->cow_flags = KMR_COW_ZERO;
	} else if (pfn_valid(pfn)) {
		struct folio *folio = page_folio(pfn_to_page(pfn));

		if (folio_test_ksm(folio))
			c->cow_flags = KMR_COW_KSM;
		else if (!folio_test_anon(folio))
			c->cow_flags = KMR_COW_FILE;
	}
}

/* do_swap_page(vmf): the fault's PTE comes back from swap. */
static void notrace kmr_swap_entry(unsigned long ip, unsigned long pip,
				   struct ftrace_ops *op,
				   struct ftrace_regs *fregs)
{
	struct vm_fault *vmf = (struct vm_fault *)kmr_farg(fregs, 0);
	struct mm_struct *mm = vmf->vma->vm_mm;
	struct kmr_fctx *c;

	if (likely(!kmr_mm_traced(mm)))
		return;
	c = kmr_fctx_match(mm, vmf->address);
	if (c)
		c->state |= KMR_FCTX_SWAP;
}

/* do_set_pte / set_pte_range: file PTEs, fault-around runs (PTL held). */
static void notrace kmr_setpte_entry(unsigned long ip, unsigned long pip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	struct vm_fault *vmf = (struct vm_fault *)kmr_farg(fregs, 0);
	struct mm_struct *mm = vmf->vma->vm_mm;
	unsigned long nr, addr;
	struct kmr_fctx *c;

	if (likely(!kmr_mm_traced(mm)))
		return;
	c = kmr_fctx_current();
	if (!c || c->mm != mm)
		return;
	kmr_set_pte_args(fregs, &nr, &addr);
	kmr_fctx_extend(c, addr, addr + nr * PAGE_SIZE);
}

/*
 * A new anonymous page whose PTE is set by something other than a fault
 * (userfaultfd copy, uprobes): the PTE about to be written is the page with
 * the VMA's protection, dirty, writable if the VMA is.  We run under the
 * PTL that orders it, so the record's seq is right; the rmap is not set yet,
 * hence ANON by hand.
 */
static void kmr_anon_no_fault(struct mm_struct *mm, struct vm_area_struct *vma,
			      unsigned long addr, unsigned long pfn,
			      unsigned long nr)
{
	u64 ent[16];
	struct kmr_session *s;
	unsigned long i;

	nr = min_t(unsigned long, nr, ARRAY_SIZE(ent));
	for (i = 0; i < nr; i++) {
		pte_t pte = pte_mkdirty(pfn_pte(pfn + i, vma->vm_page_prot));

		if (vma->vm_flags & VM_WRITE)
			pte = kmr_pte_mkwrite(pte);
		ent[i] = kmr_pte_entry_new_anon(pte, pfn + i);
	}
	kmr_for_each_session_mm(mm, s)
		kmr_emit_pte_vals(s, addr, nr, PAGE_SHIFT, ent,
				  KMR_PTE_CAUSE_OTHER);
}

/*
 * The fault's own PTE, from the rmap hook: the new anonymous page of
 * do_anonymous_page(), wp_page_copy() or do_cow_fault(), about to be set
 * under the PTL we run under, so the record's seq orders it.  The value is
 * the one those functions build: mk_pte(page, vm_page_prot), then
 *   do_anonymous_page:   write + dirty when VM_WRITE;
 *   CoW, do_cow_fault:   dirty, write when VM_WRITE (maybe_mkwrite);
 *   CoW with UNSHARE:    neither (a read-only exclusive copy).
 * The rmap is not set yet, hence ANON and EXCLUSIVE by hand.  Reading the
 * PTE back at fault return would cost a page-table walk per fault; the
 * guest test compares these flags with KMR_IOC_WALK's view of the PTE.
 *
 * The FAULT goes inside this record when every field is final now: a CoW
 * copy (the page was present: no I/O) or an anonymous VMA's new page.
 * do_cow_fault()'s private file page may have needed I/O this record
 * cannot know of (VM_FAULT_MAJOR): its FAULT goes at the return.
 */
static void kmr_fault_pte_now(struct kmr_fctx *c, struct vm_area_struct *vma,
			      unsigned long pfn)
{
	pte_t pte = pfn_pte(pfn, vma->vm_page_prot);
	bool cow = c->state & KMR_FCTX_WP;
	enum kmr_pte_cause cause = cow ? KMR_PTE_CAUSE_COW :
					 KMR_PTE_CAUSE_FAULT;
	struct kmr_fault_info f;
	struct kmr_session *s;
	u64 ent;
	u32 ff;

	if (cow && (c->flags & FAULT_FLAG_UNSHARE)) {
		/* nothing: read-only, clean */
	} else if (cow || !vma_is_anonymous(vma)) {
		pte = pte_mkdirty(pte);
		if (vma->vm_flags & VM_WRITE)
			pte = kmr_pte_mkwrite(pte);
	} else if (vma->vm_flags & VM_WRITE) {
		pte = kmr_pte_mkwrite(pte_mkdirty(pte));
	}
	ent = kmr_pte_entry_new_anon(pte, pfn);
	c->state |= KMR_FCTX_PTE;
	if (!cow && !vma_is_anonymous(vma)) {
		kmr_for_each_session_mm(c->mm, s)
			kmr_emit_pte_vals(s, c->addr, 1, PAGE_SHIFT, &ent,
					  cause);
		return;
	}
	ff = kmr_fault_flags(c, 0);
	kmr_for_each_session_mm(c->mm, s) {
		kmr_fault_info_of(&f, c, s, ff);
		kmr_emit_pte_val_fault(s, c->addr, ent, cause, &f);
	}
	/*
	 * do_anonymous_page()'s page: the return would only count the
	 * fault.  A CoW's is taken back later: the notifier's range end
	 * comes after this hook and asks for the context
	 * (kmr_fctx_owns_cow(), kmr_fctx_cow_done()).
	 */
	if (!cow && kmr_fctx_finish_early(c, ff))
		return;		/* @c is recycled */
	c->ff_sent = ff;
	c->state |= KMR_FCTX_FAULT;
}

/* (page|folio)_add_new_anon_rmap(p, vma, addr, ...): PTL held. */
static void notrace kmr_rmap_entry(unsigned long ip, unsigned long pip,
				   struct ftrace_ops *op,
				   struct ftrace_regs *fregs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)kmr_farg(fregs, 1);
	unsigned long addr = kmr_farg(fregs, 2);
	struct mm_struct *mm = vma->vm_mm;
	unsigned long pfn, nr;
	struct kmr_session *s;
	struct kmr_fctx *c;

	if (likely(!kmr_mm_traced(mm)))
		return;
	kmr_anon_rmap_arg(kmr_farg(fregs, 0), &pfn, &nr);
	c = kmr_fctx_current();
	if (!c || c->mm != mm) {
		/* PMD-sized: khugepaged, re-walked at the mmap write-unlock */
		if (nr < (1UL << (PMD_SHIFT - PAGE_SHIFT)))
			kmr_anon_no_fault(mm, vma, addr, pfn, nr);
		return;
	}
	if (addr != c->addr || nr != 1) {
		/* mTHP: the fault maps the whole folio with PTEs */
		if (nr > 1 && nr < (1UL << (PMD_SHIFT - PAGE_SHIFT)))
			kmr_fctx_extend(c, addr, addr + nr * PAGE_SIZE);
		return;
	}
	if ((c->state & (KMR_FCTX_WP | KMR_FCTX_COW)) == KMR_FCTX_WP) {
		c->state |= KMR_FCTX_COW;
		kmr_for_each_session_mm(mm, s) {
			/* and the copy's data if asked: it is complete */
			kmr_emit_cow(s, addr, c->old_pfn, pfn,
				     kmr_session_tid(s), c->cow_flags);
			kmr_stat_cow(s, c->vm_start);
		}
	}
	/*
	 * do_swap_page() adds a new rmap for a page it read without the swap
	 * cache (6.12) or a KSM copy: its PTE is not the one built here (a
	 * read fault maps it clean, maybe read-only), the fault is major and
	 * may go on to do_wp_page().  The return re-reads it.
	 */
	if (c->state & KMR_FCTX_SWAP)
		return;
	kmr_fault_pte_now(c, vma, pfn);
}

/*
 * The five entry hooks, on probes.c's one ftrace_ops, told apart by the
 * call site (kmr_fentry_of(), probes.h; issue 10).  handle_mm_fault runs on
 * every fault and the rmap hook on every anonymous one: they are tested
 * first.
 */
enum {
	KMR_FH_HMF, KMR_FH_RMAP, KMR_FH_WP, KMR_FH_SWAP, KMR_FH_SETPTE, KMR_FH_NR
};

static const char * const kmr_fault_syms[KMR_FH_NR] = {
	[KMR_FH_HMF] = "handle_mm_fault",
	[KMR_FH_RMAP] = KMR_SYM_ANON_RMAP,
	[KMR_FH_WP] = "do_wp_page",
	[KMR_FH_SWAP] = "do_swap_page",
	[KMR_FH_SETPTE] = KMR_SYM_SET_PTE,
};

/* function addresses, set before the ops is registered */
static unsigned long kmr_fault_addr[KMR_FH_NR];

bool notrace kmr_faults_entry(unsigned long ip, unsigned long pip,
			      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	if (kmr_fentry_of(ip, kmr_fault_addr[KMR_FH_HMF]))
		kmr_hmf_fentry(fregs);
	else if (kmr_fentry_of(ip, kmr_fault_addr[KMR_FH_RMAP]))
		kmr_rmap_entry(ip, pip, op, fregs);
	else if (kmr_fentry_of(ip, kmr_fault_addr[KMR_FH_WP]))
		kmr_wp_entry(ip, pip, op, fregs);
	else if (kmr_fentry_of(ip, kmr_fault_addr[KMR_FH_SETPTE]))
		kmr_setpte_entry(ip, pip, op, fregs);
	else if (kmr_fentry_of(ip, kmr_fault_addr[KMR_FH_SWAP]))
		kmr_swap_entry(ip, pip, op, fregs);
	else
		return false;
	return true;
}

int kmr_faults_entry_addrs(unsigned long *addrs, unsigned int room)
{
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(room < KMR_FH_NR))
		return -ENOSPC;
	for (i = 0; i < KMR_FH_NR; i++) {
		ret = kmr_ksym_hook_addr(kmr_fault_syms[i], &kmr_fault_addr[i]);
		if (ret) {
			pr_err("kmemrec: cannot hook %s: %d\n",
			       kmr_fault_syms[i], ret);
			return ret;
		}
		addrs[i] = kmr_fault_addr[i];
	}
	return KMR_FH_NR;
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */
/* ------------------------------------------------------------------------ */

void kmr_faults_check_missed(void)
{
	kmr_missed_check(&kmr_hmf_missed);
}

/*
 * Module load: the kretprobe registered disabled until module exit
 * (kmr_kri_load(), issue 10); its pool takes fault_maxactive allocations
 * then.  kmr_hmf_fentry() arms its instances, and only while the entry
 * ftrace_ops is registered.  If this fails, ATTACH tries again and says
 * why.
 */
int kmr_faults_load(void)
{
	int ret;

	if (kmr_hmf_loaded)
		return 0;
	kmr_fctx_disarm_init();
	/* and one per CPU that its spare may hold out of the pool */
	kmr_hmf_probe.maxactive = clamp(kmr_fault_maxactive, 64U, 65536U) +
				  num_possible_cpus();
	ret = kmr_kri_load(&kmr_hmf_probe, "handle_mm_fault", &kmr_hmf_loaded);
	if (ret)
		return ret;
	/* faults armed before this are not annotated: their return re-reads */
	WRITE_ONCE(kmr_hmf_rh, kmr_hmf_probe.rh);
	return 0;
}

/* Module exit, after the last session and the entry ops are gone. */
void kmr_faults_unload(void)
{
	if (!kmr_hmf_loaded)
		return;
	/* the notifier may still look: it finds no context */
	WRITE_ONCE(kmr_hmf_rh, NULL);
	/*
	 * A kmr_fctx_disarm() that saw the rethook before (in its RCU
	 * reader) has put its node where it goes; then the spares go home.
	 */
	synchronize_rcu();
	kmr_hmf_spares_drain();
	kmr_kri_unload(&kmr_hmf_probe, &kmr_hmf_loaded);
}

/* The first ATTACH (no hook registered): arm the fault's return hook. */
int kmr_faults_register(void)
{
	int ret = kmr_faults_load();

	if (ret) {
		pr_err("kmemrec: cannot hook the fault path: %d\n", ret);
		return ret;
	}
	/* armed by kmr_hmf_fentry() where it can, by the kprobe if not */
	ret = kmr_kri_enable(&kmr_hmf_missed);
	if (ret)
		pr_err("kmemrec: cannot arm the fault path's hook: %d\n", ret);
	return ret;
}

/*
 * After the linger: the entry ops goes next and arms no new instance.  The
 * returns of faults armed before still run kmr_hmf_return(), which finds
 * no session for their mm.
 */
void kmr_faults_unregister(void)
{
	kmr_kri_disable(&kmr_hmf_probe);
	if (kmr_hmf_probe.nmissed)
		pr_info("kmemrec: %d faults could not be traced (fault_maxactive=%d)\n",
			kmr_hmf_probe.nmissed, kmr_hmf_probe.maxactive);
}
