// SPDX-License-Identifier: GPL-2.0
/*
 * Hook life cycle.  Nothing is hooked while no session is attached (a loaded
 * idle module costs nothing): the first kmr_probes_get() registers every
 * hook, the last kmr_probes_put() has a worker remove them.  kmr_probes_attach() adds a
 * traced mm (mmu_notifier + VMA shadow), kmr_probes_detach() removes it.
 *
 * Teardown order (docs/kernel-hooks.md §5): sessions detach (notifier put), then
 * tracepoints (+ synchronize), kretprobes, ftrace_ops; at module exit the
 * exec task_work's last returns are waited for and mmu_notifier_synchronize()
 * lets the notifiers' SRCU callbacks finish.
 */
#include <linux/mm.h>
#include <linux/mmu_notifier.h>
#include <linux/module.h>
#include <linux/workqueue.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/trace_recursion.h>
#include "probes.h"
#include "ksyms.h"
#include "compat/probes.h"

struct kmr_pmm_set __rcu *kmr_pmms;
/* attach/detach/release of traced mms; outside any mmap_lock */
DEFINE_MUTEX(kmr_attach_lock);

/* kmr_reg_users, kmr_registered and the registration of the global hooks */
static DEFINE_MUTEX(kmr_reg_lock);
static unsigned int kmr_reg_users;
static bool kmr_registered;
/*
 * Read-only, for users and benchmarks: whether the hooks are in (a session
 * runs, or they linger after one).  enabled_functions cannot tell: it also
 * lists every other tracer's functions, and ours under ftrace's list
 * function when another ops shares them.
 */
module_param_named(hooks_registered, kmr_registered, bool, 0444);
MODULE_PARM_DESC(hooks_registered,
		 "Y while the hooks are registered (a session runs or they linger)");

/*
 * The last put removes the hooks from a worker, hook_linger_ms later.
 * Unregistering each ftrace_ops waits for an RCU-tasks grace period,
 * ~1.3 s for all of them under TCG, which DETACH, close() and so a
 * recorder's Ctrl-C would otherwise wait for.  And a session attached
 * within the linger (a script recording one command after another, or
 * several recorders) finds the hooks in place: no registration, no text
 * patching.  Meanwhile they cost every process a little (the entry ops'
 * two calls per page fault, ~+4 % a fault, BENCHMARKS.md), so the linger
 * is short.  Module exit runs the worker at once.
 * Hooks without a traced mm return at their first check.
 */
static unsigned int hook_linger_ms = 2000;
module_param(hook_linger_ms, uint, 0644);
MODULE_PARM_DESC(hook_linger_ms,
		 "keep the hooks registered this long after the last session ends (ms)");

static void kmr_probes_unregister_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(kmr_unreg_work, kmr_probes_unregister_fn);

/* ------------------------------------------------------------------------ */
/* The list of attached mms (kmr_attach_lock held)                          */
/* ------------------------------------------------------------------------ */

static int kmr_pmm_set_replace(struct kmr_pmm *add, struct kmr_pmm *del)
{
	struct kmr_pmm_set *old, *set;
	unsigned int n = 0, i;

	lockdep_assert_held(&kmr_attach_lock);
	old = rcu_dereference_protected(kmr_pmms,
					lockdep_is_held(&kmr_attach_lock));
	set = kzalloc(struct_size(set, e, (old ? old->nr : 0) + 1),
		      GFP_KERNEL);
	if (!set)
		return -ENOMEM;
	for (i = 0; old && i < old->nr; i++)
		if (old->e[i].pmm != del)
			set->e[n++] = old->e[i];
	if (add) {
		set->e[n].sem = &add->mn.mm->mmap_lock;
		set->e[n].pmm = add;
		n++;
	}
	set->nr = n;
	rcu_assign_pointer(kmr_pmms, n ? set : NULL);
	if (!n)
		kfree(set);
	if (!del) {
		/*
		 * Adding takes nothing away but the old array, which a hook
		 * may still be reading: free it after a grace period, without
		 * waiting for one.  This runs at every ATTACH under the
		 * target's mmap_lock (which a grace period under TCG holds for
		 * milliseconds).  Hooks see the new set once they hold that
		 * lock after us, as every VMA change does.
		 */
		if (old)
			kfree_rcu(old, rcu);
		return 0;
	}
	/*
	 * Removing: no hook may still use @del when we return.  Hooks run
	 * with preemption off: a plain grace period covers them.
	 */
	synchronize_rcu();
	kfree(old);
	return 0;
}

int kmr_pmm_list(struct kmr_pmm *pmm)
{
	int ret;

	if (pmm->listed)
		return 0;
	ret = kmr_pmm_set_replace(pmm, NULL);
	if (!ret)
		pmm->listed = true;
	return ret;
}

void kmr_pmm_unlist(struct kmr_pmm *pmm)
{
	if (!pmm->listed)
		return;
	/*
	 * Removing never needs more room than the old set had, but the
	 * allocation can still fail: retry rather than leave a pointer to an
	 * mm that may be recycled.
	 */
	while (kmr_pmm_set_replace(NULL, pmm))
		schedule_timeout_uninterruptible(1);
	pmm->listed = false;
}

/* ------------------------------------------------------------------------ */
/* Per traced mm                                                            */
/* ------------------------------------------------------------------------ */

int kmr_probes_attach(struct kmr_session *s, struct mm_struct *mm)
{
	void **priv = kmr_session_probe_priv(s);
	struct mmu_notifier *mn;
	struct kmr_pmm *pmm;
	int ret;

	if (WARN_ON_ONCE(*priv))
		return -EBUSY;
	/* mmu_notifier_get_locked() needs live users; the session has mm_count */
	if (!mmget_not_zero(mm))
		return -ESRCH;
	mutex_lock(&kmr_attach_lock);
	ret = mmap_write_lock_killable(mm);
	if (ret)
		goto out_unlock;
	mn = mmu_notifier_get_locked(&kmr_mn_ops, mm);
	if (IS_ERR(mn)) {
		ret = PTR_ERR(mn);
		goto out_mmap_unlock;
	}
	pmm = container_of(mn, struct kmr_pmm, mn);
	if (!pmm->users) {
		/*
		 * Shadow and listing under the write lock: no VMA change can
		 * fall between the shadow and the first commit we see.
		 */
		ret = kmr_vma_shadow_init(pmm, mm);
		if (!ret)
			ret = kmr_pmm_list(pmm);
		if (ret) {
			kmr_vma_shadow_free(pmm);
			mmap_write_unlock(mm);
			mutex_unlock(&kmr_attach_lock);
			mmu_notifier_put(mn);
			mmput(mm);
			return ret;
		}
	}
	pmm->users++;
	*priv = pmm;
out_mmap_unlock:
	mmap_write_unlock(mm);
out_unlock:
	mutex_unlock(&kmr_attach_lock);
	/* after the unlock: a last mmput() runs ->release, which takes it */
	mmput(mm);
	return ret;
}

void kmr_probes_detach(struct kmr_session *s)
{
	void **priv = kmr_session_probe_priv(s);
	struct kmr_pmm *pmm = *priv;

	if (!pmm)
		return;
	*priv = NULL;
	mutex_lock(&kmr_attach_lock);
	if (!--pmm->users)
		kmr_pmm_unlist(pmm);	/* the shadow is freed with pmm */
	mutex_unlock(&kmr_attach_lock);
	mmu_notifier_put(&pmm->mn);
}

/* ------------------------------------------------------------------------ */
/* Missed kretprobe runs                                                    */
/* ------------------------------------------------------------------------ */

/*
 * A missed run cannot say which mm it was for: every started session gets
 * the report.  The count is of runs missed machine-wide (an upper bound
 * for one session), the time window is when the miss was seen.
 */
static void kmr_lost_everywhere(u64 kinds, u64 count)
{
	const struct kmr_target_set *set;
	unsigned int i;

	rcu_read_lock();
	set = rcu_dereference(kmr_targets);
	for (i = 0; set && i < set->nr; i++)
		kmr_note_lost(set->e[i].s, kinds, count);
	rcu_read_unlock();
}

void kmr_missed_report(struct kmr_missed *m, int now, int seen)
{
	if (atomic_cmpxchg(&m->seen, seen, now) != seen)
		return;		/* another CPU reports these */
	kmr_lost_everywhere(m->kinds, (u32)(now - seen));
}

void kmr_missed_reset(struct kmr_missed *m)
{
	m->rp->nmissed = 0;
	m->rp->kp.nmissed = 0;
	if (m->own)
		atomic_set(m->own, 0);
	atomic_set(&m->seen, 0);
}

/*
 * Lock-free: a probe's counters are plain fields that registration resets
 * (with its kmr_missed), so reading them while it is not registered only
 * finds nothing new.
 */
void kmr_probes_check_missed(void)
{
	kmr_faults_check_missed();
	kmr_migrate_check_missed();
	kmr_proc_check_missed();
}

/* ------------------------------------------------------------------------ */
/* Global hooks                                                             */
/* ------------------------------------------------------------------------ */

/* room for every probe file's entry hooks (kmr_*_entry_addrs()) */
#define KMR_ENTRY_MAX	16

static unsigned long kmr_entry_addr[KMR_ENTRY_MAX];

/*
 * The fault path first: handle_mm_fault and the rmap hook run on every fault.
 *
 * ftrace's recursion guard, taken here rather than by
 * FTRACE_OPS_FL_RECURSION: with that flag ftrace calls
 * ftrace_ops_assist_func(), which takes the same guard and then calls this
 * function through a pointer (a retpoline on Debian's kernels), on every
 * fault of every process while the hooks are registered.  The guard also
 * disables preemption while it is held (trace_recursion.h: "Preemption is
 * promised to be disabled when return bit >= 0"): the callback then runs
 * inside the RCU (sched) reader that kmr_pmm_of_sem() and
 * kmr_for_each_session_mm() need (the debug kernel's PROVE_RCU reported
 * its absence once).  When another ops shares these functions, ftrace's
 * list function holds its own bits of the guard and this nests inside, as
 * the function tracer's callback does.
 */
static void notrace kmr_entry(unsigned long ip, unsigned long pip,
			      struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	int bit = ftrace_test_recursion_trylock(ip, pip);

	if (bit < 0)
		return;
	if (!kmr_faults_entry(ip, pip, op, fregs) &&
	    !kmr_vma_entry(ip, pip, op, fregs) &&
	    !kmr_migrate_entry(ip, fregs))
		kmr_proc_entry(ip, fregs);
	ftrace_test_recursion_unlock(bit);
}

static struct ftrace_ops kmr_entry_ops = {
	.func = kmr_entry,
};

/* Each probe file's entry hooks, in kmr_entry()'s order. */
static int (* const kmr_entry_addr_fns[])(unsigned long *, unsigned int) = {
	kmr_faults_entry_addrs, kmr_vma_entry_addrs, kmr_migrate_entry_addrs,
	kmr_proc_entry_addrs,
};

int kmr_entry_addr_one(const char *sym, unsigned long *func,
		       unsigned long *addrs, unsigned int room)
{
	int ret;

	if (WARN_ON_ONCE(room < 1))
		return -ENOSPC;
	ret = kmr_ksym_hook_addr(sym, func);
	if (ret) {
		pr_err("kmemrec: cannot hook %s: %d\n", sym, ret);
		return ret;
	}
	addrs[0] = *func;
	return 1;
}

static int kmr_entry_register(void)
{
	int nr = 0, n, ret;
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(kmr_entry_addr_fns); i++) {
		n = kmr_entry_addr_fns[i](kmr_entry_addr + nr,
					  KMR_ENTRY_MAX - nr);
		if (n < 0)
			return n;
		nr += n;
	}
	/* by address: a filter by name matches every ftrace record */
	ret = ftrace_set_filter_ips(&kmr_entry_ops, kmr_entry_addr, nr, 0, 1);
	if (!ret)
		ret = register_ftrace_function(&kmr_entry_ops);
	if (ret)
		pr_err("kmemrec: cannot hook the fault path and the VMA operations: %d\n",
		       ret);
	return ret;
}

int kmr_probes_get(void)
{
	int ret = 0;

	mutex_lock(&kmr_reg_lock);
	if (kmr_reg_users || kmr_registered) {
		kmr_reg_users++;
		goto out;
	}
	ret = kmr_entry_register();
	if (ret)
		goto out;
	ret = kmr_faults_register();
	if (ret)
		goto undo_entry;
	ret = kmr_migrate_register();
	if (ret)
		goto undo_faults;
	ret = kmr_proc_register();
	if (ret)
		goto undo_migrate;
	kmr_reg_users = 1;
	kmr_registered = true;
	goto out;

undo_migrate:
	kmr_migrate_unregister();
undo_faults:
	kmr_faults_unregister();
undo_entry:
	unregister_ftrace_function(&kmr_entry_ops);
out:
	mutex_unlock(&kmr_reg_lock);
	return ret;
}

void kmr_probes_put(void)
{
	mutex_lock(&kmr_reg_lock);
	if (!WARN_ON_ONCE(!kmr_reg_users) && !--kmr_reg_users)
		mod_delayed_work(system_wq, &kmr_unreg_work,
				 msecs_to_jiffies(READ_ONCE(hook_linger_ms)));
	mutex_unlock(&kmr_reg_lock);
}

static void kmr_probes_unregister_fn(struct work_struct *work)
{
	mutex_lock(&kmr_reg_lock);
	if (!kmr_reg_users && kmr_registered) {
		kmr_proc_unregister();
		kmr_migrate_unregister();
		kmr_faults_unregister();
		unregister_ftrace_function(&kmr_entry_ops);
		kmr_registered = false;
	}
	mutex_unlock(&kmr_reg_lock);
}

int kmr_hook_kretprobe(struct kretprobe *rp, const char *sym)
{
	unsigned long addr;
	int ret = kmr_ksym_hook_addr(sym, &addr);

	if (ret)
		return ret;
	rp->kp.symbol_name = NULL;
	rp->kp.offset = 0;
	rp->kp.addr = (kprobe_opcode_t *)addr;
	return register_kretprobe(rp);
}

/*
 * Every function the probe files hook (by the names they pass to
 * kmr_ksym_hook_addr()): checked and resolved at load, so that the first
 * ATTACH does not walk kallsyms.  One missing here is resolved at its
 * first registration instead; one that cannot be hooked makes ATTACH
 * fail and say why, as before.
 */
static const char * const kmr_hooked_syms[] = {
	"handle_mm_fault", KMR_SYM_ANON_RMAP, "do_wp_page", "do_swap_page",
	KMR_SYM_SET_PTE, "remove_migration_pte", "begin_new_exec",
	"up_write", "downgrade_write", "mmap_region", KMR_SYM_ALIGN_MUNMAP,
	"do_brk_flags", "mprotect_fixup", "expand_downwards",
};

int kmr_probes_init(void)
{
	unsigned long addr;
	unsigned int i;
	int ret;

	for (i = 0; i < ARRAY_SIZE(kmr_hooked_syms); i++)
		kmr_ksym_hook_addr(kmr_hooked_syms[i], &addr);
	/*
	 * The kretprobes, disabled: registering them was most of a cold
	 * ATTACH (issue 10).  One that fails here is tried again, and
	 * reported, by the ATTACH that needs it.
	 */
	ret = kmr_faults_load();
	if (!ret)
		ret = kmr_migrate_load();
	if (!ret)
		ret = kmr_proc_load();
	if (ret)
		pr_info("kmemrec: a kretprobe could not be registered at load (%d): ATTACH will try again\n",
			ret);
	return 0;
}

void kmr_probes_exit(void)
{
	flush_delayed_work(&kmr_unreg_work);
	if (!WARN_ON_ONCE(kmr_reg_users || kmr_registered)) {
		/*
		 * The filter hash set at registration outlives
		 * unregister_ftrace_function(), and the static ops is
		 * registered again with it after hook_linger_ms.  6.12's
		 * ftrace_free_filter() frees the hashes without resetting the
		 * pointers, so freeing at each unregister would hand the next
		 * registration a freed hash.  Here, at module exit, it goes
		 * (kmemleak: 15 objects per load without it).
		 */
		ftrace_free_filter(&kmr_entry_ops);
	}
	kmr_proc_unload();
	kmr_migrate_unload();
	kmr_faults_unload();
	kmr_proc_drain();
	mmu_notifier_synchronize();
}
