// SPDX-License-Identifier: GPL-2.0
/*
 * Process events of a target: fork, exec, exit.
 *
 * fork:  sched:sched_process_fork (not exported: found by name as
 *        lttng-modules does).  The parent's write-protect arrives before it
 *        through the notifier (PROTECTION_PAGE, then the re-read).  A
 *        FOLLOW session's child is held there for the recorder (follow.c).
 * exec:  kretprobe on begin_new_exec().  Its entry lists the exec (old
 *        mm, tgid) so that the ->release exec_mmap() triggers is not taken
 *        for the target's exit; its return queues task_work (TWA_RESUME)
 *        that runs before the first user instruction of the new image (and
 *        before any ptrace stop: ptrace_notify() runs task_work first) and
 *        hands every session of the target on the old mm to the core's
 *        kmr_session_exec().  The exec of a CLONE_VM child (vfork) of a
 *        FOLLOW target is listed the same way: its task_work reports the
 *        child as a new process and holds it (kmr_follow_exec()).
 * exit:  ->release of the traced mm when it was not replaced by exec.
 * fatal signal: signal:signal_deliver (found by name as fork's), where
 *        get_signal() takes a signal, before the default action runs: a
 *        signal the target neither catches nor ignores, which will dump
 *        core or end the process, is reported then, before the core dump
 *        (which can take long) and the exit.
 *
 * Nothing here holds a session across a sleep without a reference, and the
 * exec hook holds none at all: the task_work finds the sessions again in
 * the traced set, by the old mm and the target's tgid (global numbers), so
 * any number of sessions per mm works and nothing is left behind when the
 * hook is removed between its entry and its return.  A queued task_work
 * holds a module reference, so rmmod is refused while an exec is still to
 * be followed.
 */
#include <linux/binfmts.h>
#include <linux/kprobes.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/oom.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include "compat/probes.h"
#include "follow.h"
#include "ksyms.h"
#include "probes.h"

/* ------------------------------------------------------------------------ */
/* fork                                                                     */
/* ------------------------------------------------------------------------ */

static void kmr_tp_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct mm_struct *mm = parent->mm;

	/*
	 * Threads and CLONE_VM children (vfork) share the mm: not a new
	 * address space.  A CLONE_VM child is followed at its exec.
	 */
	if (!mm || child->mm == mm || !kmr_mm_traced(mm))
		return;
	kmr_follow_fork(mm, child);
}

static struct tracepoint *kmr_tp_fork_tp, *kmr_tp_signal_tp;

static void kmr_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		kmr_tp_fork_tp = tp;
	else if (!strcmp(tp->name, "signal_deliver"))
		kmr_tp_signal_tp = tp;
}

/* ------------------------------------------------------------------------ */
/* fatal signal                                                             */
/* ------------------------------------------------------------------------ */

/* Signals whose si_addr is the faulting address when the kernel sent them */
#define KMR_SIG_ADDR_MASK \
	(sigmask(SIGSEGV) | sigmask(SIGBUS) | sigmask(SIGILL) | \
	 sigmask(SIGFPE) | sigmask(SIGTRAP))

/*
 * Called by get_signal() with the siglock held and interrupts off, for
 * each signal it takes (and for the SIGKILL of a group exit, with no
 * info).  The default action of a signal neither caught nor ignored runs
 * right after: a core dump (do_coredump()) or the exit.  SIGKILL and the
 * threads killed by a group exit are not reported here: KMR_EV_EXIT says
 * those, and a group exit has one thread that took the signal.
 */
static void kmr_tp_signal(void *data, int sig, struct kernel_siginfo *info,
			  struct k_sigaction *ka)
{
	struct mm_struct *mm = current->mm;
	struct kmr_session *s;
	u64 addr = 0;
	u32 flags;

	if (!info || sig == SIGKILL || ka->sa.sa_handler != SIG_DFL ||
	    !mm || !kmr_mm_traced(mm))
		return;
	if (sig_kernel_ignore(sig) || sig_kernel_stop(sig) ||
	    (current->signal->flags & SIGNAL_UNKILLABLE) ||
	    (current->flags & PF_KTHREAD))
		return;
	flags = sig_kernel_coredump(sig) ? KMR_SIGNAL_F_COREDUMP : 0;
	if (info->si_code > 0 && siginmask(sig, KMR_SIG_ADDR_MASK))
		addr = (u64)(unsigned long)info->si_addr;
	kmr_for_each_session_mm(mm, s)
		if (current->tgid == kmr_session_pid(s))
			kmr_emit_signal(s, sig, info->si_code, addr,
					kmr_session_nr(s, task_pid(current)),
					flags);
}

/* ------------------------------------------------------------------------ */
/* exec                                                                     */
/* ------------------------------------------------------------------------ */

struct kmr_exec_work {
	struct callback_head cb;
	struct list_head node;		/* in kmr_execs */
	struct mm_struct *old_mm;	/* compared only, never dereferenced */
	pid_t tgid;			/* the exec'ing process (global) */
	bool queued;			/* task_work added: it frees this */
	bool follow;			/* a CLONE_VM child of a FOLLOW target */
	bool secure;			/* bprm->secureexec */
	char filename[KMR_NAME_MAX + 1];
};

/*
 * Execs of targets in progress, from the hook's entry until the task_work
 * has handed their sessions over (or the exec failed): the ->release of
 * their old mm is not their exit.  If the hook is removed between entry
 * and return, the return never runs: kmr_proc_unload() frees those.
 */
static LIST_HEAD(kmr_execs);
static DEFINE_RAW_SPINLOCK(kmr_exec_lock);
/* Some exec task_work ran since load: module exit waits for its return. */
static bool kmr_exec_ran;

static void kmr_exec_unlist(struct kmr_exec_work *w)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&kmr_exec_lock, flags);
	list_del(&w->node);
	raw_spin_unlock_irqrestore(&kmr_exec_lock, flags);
}

/* The process @tgid is exec'ing away from @mm: the exec moves its sessions. */
static bool kmr_exec_in_progress(struct mm_struct *mm, pid_t tgid)
{
	struct kmr_exec_work *w;
	unsigned long flags;
	bool found = false;

	raw_spin_lock_irqsave(&kmr_exec_lock, flags);
	list_for_each_entry(w, &kmr_execs, node) {
		if (w->old_mm == mm && w->tgid == tgid) {
			found = true;
			break;
		}
	}
	raw_spin_unlock_irqrestore(&kmr_exec_lock, flags);
	return found;
}

/* A session of @old_mm traced for the exec'ing task, with a reference. */
static struct kmr_session *kmr_exec_next(struct mm_struct *old_mm)
{
	struct kmr_session *s, *found = NULL;

	rcu_read_lock();
	kmr_for_each_session_mm(old_mm, s) {
		if (kmr_session_pid(s) == current->tgid &&
		    !kmr_session_ending(s)) {
			kmr_session_get(s);
			found = s;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

/* In the exec'ing task, before the new image's first instruction. */
static void kmr_exec_work_fn(struct callback_head *cb)
{
	struct kmr_exec_work *w = container_of(cb, struct kmr_exec_work, cb);
	struct mm_struct *mm = current->mm;
	struct kmr_session *s, *prev = NULL;

	/*
	 * Each call takes the session off @old_mm (moved or ended), so the
	 * loop ends when none is left.
	 */
	while ((s = kmr_exec_next(w->old_mm))) {
		if (WARN_ON_ONCE(s == prev)) {
			kmr_session_put(s);
			break;
		}
		/* killed after the point of no return: the old mm is gone */
		if (!mm || (current->flags & PF_EXITING))
			kmr_session_target_exit(s, kmr_task_exit_code(), 0);
		else
			kmr_session_exec(s, w->old_mm, mm, w->filename,
					 w->secure);
		prev = s;
		kmr_session_put(s);
	}
	kmr_exec_unlist(w);
	/* a vfork child's exec: a new process for the followers of old_mm */
	if (w->follow && mm && !(current->flags & PF_EXITING))
		kmr_follow_exec(w->old_mm);
	kfree(w);
	WRITE_ONCE(kmr_exec_ran, true);
	/* the last thing: kmr_proc_drain() waits for our return */
	module_put(THIS_MODULE);
}

struct kmr_exec_ri {
	struct kmr_exec_work *w;
	struct linux_binprm *bprm;
};

/* The exec'ing task is the target of a session on @mm (not a vfork child). */
static bool kmr_exec_is_target(struct mm_struct *mm)
{
	struct kmr_session *s;

	kmr_for_each_session_mm(mm, s)
		if (kmr_session_pid(s) == current->tgid)
			return true;
	return false;
}

/*
 * begin_new_exec(bprm) of a process whose mm is traced: 0 when @d is filled
 * and the return must run.
 */
static int kmr_exec_fill(struct kmr_exec_ri *d, struct linux_binprm *bprm)
{
	struct mm_struct *mm = current->mm;
	struct kmr_exec_work *w;
	unsigned long flags;
	bool follow = false;

	kmr_probes_check_missed();
	if (!kmr_exec_is_target(mm)) {
		if (!kmr_follow_exec_wanted(mm))
			return 1;
		follow = true;
	}
	/*
	 * Without it, ->release takes the exec for an exit it cannot
	 * follow: the sessions end with KMR_EXIT_F_EXEC_UNFOLLOWED.
	 */
	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w)
		return 1;
	w->old_mm = mm;
	w->tgid = current->tgid;
	w->follow = follow;
	strscpy(w->filename, bprm->filename, sizeof(w->filename));
	raw_spin_lock_irqsave(&kmr_exec_lock, flags);
	list_add(&w->node, &kmr_execs);
	raw_spin_unlock_irqrestore(&kmr_exec_lock, flags);
	d->w = w;
	d->bprm = bprm;
	return 0;
}

/* The kretprobe's own entry: only where kmr_exec_fentry() cannot arm. */
static int kmr_exec_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct mm_struct *mm = current->mm;

	if (likely(!mm || !kmr_mm_traced(mm)))
		return 1;
	return kmr_exec_fill((struct kmr_exec_ri *)ri->data,
			     (struct linux_binprm *)regs_get_kernel_argument(regs, 0));
}

static int kmr_exec_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kmr_exec_ri *d = (struct kmr_exec_ri *)ri->data;
	struct kmr_exec_work *w = d->w;

	/* Failed before exec_mmap(): the old image runs on. */
	if (current->mm == w->old_mm)
		goto drop;
	/* final now: LSMs set it before, commoncap at begin_new_exec()'s start */
	w->secure = d->bprm->secureexec;
	/* fails only while the module is going: no session is left then */
	if (!try_module_get(THIS_MODULE))
		goto drop;
	init_task_work(&w->cb, kmr_exec_work_fn);
	WRITE_ONCE(w->queued, true);
	if (!task_work_add(current, &w->cb, TWA_RESUME))
		return 0;
	/* never: only an exiting task refuses, and we are exec'ing */
	module_put(THIS_MODULE);
drop:
	kmr_exec_unlist(w);
	kfree(w);
	return 0;
}

static struct kretprobe kmr_exec_probe = {
	.entry_handler	= kmr_exec_entry,
	.handler	= kmr_exec_return,
	.data_size	= sizeof(struct kmr_exec_ri),
	/* traced execs in progress at once (entries of others return 1) */
	.maxactive	= 64,
};

/* Execs kmr_exec_fentry() found no instance for. */
static atomic_t kmr_exec_nomore;

/* A missed entry: that exec is not followed (->release reports it). */
static struct kmr_missed kmr_exec_missed = {
	.rp = &kmr_exec_probe,
	.own = &kmr_exec_nomore,
	.kinds = BIT_ULL(KMR_EV_EXEC),
};

/* The same from the shared ftrace_ops (kmr_kri_get(), probe_faults.c). */
static void notrace kmr_exec_fentry(struct ftrace_regs *fregs)
{
	struct mm_struct *mm = current->mm;
	struct kretprobe_instance *ri;

	if (likely(!mm || !kmr_mm_traced(mm)) || !kmr_kri_fentry())
		return;
	ri = kmr_kri_get(&kmr_exec_probe, &kmr_exec_nomore);
	if (!ri)
		return;
	if (kmr_exec_fill((struct kmr_exec_ri *)ri->data,
			  (struct linux_binprm *)kmr_farg(fregs, 0)))
		kmr_kri_put(ri);
	else
		kmr_kri_arm(ri, fregs);
}

static unsigned long kmr_exec_addr;

bool notrace kmr_proc_entry(unsigned long ip, struct ftrace_regs *fregs)
{
	if (!kmr_fentry_of(ip, kmr_exec_addr))
		return false;
	kmr_exec_fentry(fregs);
	return true;
}

int kmr_proc_entry_addrs(unsigned long *addrs, unsigned int room)
{
	return kmr_entry_addr_one("begin_new_exec", &kmr_exec_addr, addrs,
				  room);
}

/* ------------------------------------------------------------------------ */
/* exit: ->release of a traced mm                                           */
/* ------------------------------------------------------------------------ */

/*
 * A session of @mm not ending yet, whose target is not exec'ing away from
 * it (that exec moves the session), with a reference.
 */
static struct kmr_session *kmr_released_next(struct mm_struct *mm)
{
	struct kmr_session *s, *found = NULL;

	rcu_read_lock();
	kmr_for_each_session_mm(mm, s) {
		if (!kmr_session_ending(s) &&
		    !kmr_exec_in_progress(mm, kmr_session_pid(s))) {
			kmr_session_get(s);
			found = s;
			break;
		}
	}
	rcu_read_unlock();
	return found;
}

void kmr_proc_mm_released(struct kmr_pmm *pmm, struct mm_struct *mm)
{
	struct kmr_session *s;

	/* Each call ends a stream, so the loop ends when none is left. */
	while ((s = kmr_released_next(mm))) {
		u32 flags = 0;
		int code = -1;

		if (current->tgid == kmr_session_pid(s)) {
			/* usually the target's last thread, in exit_mm() */
			if (!current->mm)
				code = kmr_task_exit_code();
			/* exec_mmap() of an exec whose entry we missed */
			else if (current->mm != mm)
				flags = KMR_EXIT_F_EXEC_UNFOLLOWED;
			/* mark_oom_victim() set it on this mm, before the kill */
			if (tsk_is_oom_victim(current) &&
			    current->signal->oom_mm == mm)
				flags |= KMR_EXIT_F_OOM_KILLED;
		}
		kmr_session_target_exit(s, code, flags);
		kmr_session_put(s);
	}
	/* the mm may be recycled: stop matching its mmap_lock */
	mutex_lock(&kmr_attach_lock);
	kmr_pmm_unlist(pmm);
	mutex_unlock(&kmr_attach_lock);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */
/* ------------------------------------------------------------------------ */

void kmr_proc_check_missed(void)
{
	kmr_missed_check(&kmr_exec_missed);
}

int kmr_proc_register(void)
{
	int ret;

	if (!kmr_tp_fork_tp || !kmr_tp_signal_tp)
		for_each_kernel_tracepoint(kmr_find_tp, NULL);
	if (!kmr_tp_fork_tp || !kmr_tp_signal_tp) {
		pr_err("kmemrec: tracepoint %s not found\n",
		       kmr_tp_fork_tp ? "signal_deliver" : "sched_process_fork");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	if (ret) {
		pr_err("kmemrec: cannot hook sched_process_fork: %d\n", ret);
		return ret;
	}
	ret = tracepoint_probe_register(kmr_tp_signal_tp, kmr_tp_signal, NULL);
	if (ret) {
		pr_err("kmemrec: cannot hook signal_deliver: %d\n", ret);
		goto undo_fork;
	}
	ret = kmr_proc_load();
	/* armed by kmr_exec_fentry() where it can, by the kprobe if not */
	if (!ret)
		ret = kmr_kri_enable(&kmr_exec_missed);
	if (ret) {
		pr_err("kmemrec: cannot hook begin_new_exec: %d\n", ret);
		goto undo_tp;
	}
	return 0;

undo_tp:
	tracepoint_probe_unregister(kmr_tp_signal_tp, kmr_tp_signal, NULL);
undo_fork:
	tracepoint_probe_unregister(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

/*
 * After the linger.  An exec whose entry ran keeps its return (the
 * kretprobe stays registered, disabled), which hands its sessions over or
 * frees its entry as during a session.
 */
void kmr_proc_unregister(void)
{
	tracepoint_probe_unregister(kmr_tp_signal_tp, kmr_tp_signal, NULL);
	tracepoint_probe_unregister(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	tracepoint_synchronize_unregister();
	kmr_kri_disable(&kmr_exec_probe);
}

/* registered (disabled) since module load: kmr_proc_load() */
static bool kmr_exec_loaded;

/*
 * Module load: the exec kretprobe registered disabled, until module exit
 * (as the fault's, kmr_faults_load()): ATTACH then only arms it.
 */
int kmr_proc_load(void)
{
	return kmr_kri_load(&kmr_exec_probe, "begin_new_exec",
			    &kmr_exec_loaded);
}

/* Module exit: no return handler runs after this; free what entries left. */
void kmr_proc_unload(void)
{
	struct kmr_exec_work *w, *n;
	unsigned long flags;
	LIST_HEAD(left);

	if (!kmr_exec_loaded)
		return;
	kmr_kri_unload(&kmr_exec_probe, &kmr_exec_loaded);
	/* Queued task_work frees its own (and holds the module meanwhile). */
	raw_spin_lock_irqsave(&kmr_exec_lock, flags);
	list_for_each_entry_safe(w, n, &kmr_execs, node)
		if (!READ_ONCE(w->queued))
			list_move(&w->node, &left);
	raw_spin_unlock_irqrestore(&kmr_exec_lock, flags);
	list_for_each_entry_safe(w, n, &left, node)
		kfree(w);
}

void kmr_proc_drain(void)
{
	/*
	 * Module exit runs once no task_work holds a module reference, but a
	 * task may still be executing the last instructions of
	 * kmr_exec_work_fn() after its module_put().  An RCU-tasks grace
	 * period ends only when every task has passed a voluntary context
	 * switch or user mode, so after it none is still in our text.
	 */
	if (READ_ONCE(kmr_exec_ran))
		synchronize_rcu_tasks();
}
