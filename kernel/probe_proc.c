// SPDX-License-Identifier: GPL-2.0
/*
 * Process events of a target: fork, exec, exit.
 *
 * fork:  sched:sched_process_fork (not exported: found by name as
 *        lttng-modules does).  The parent's write-protect arrives before it
 *        through the notifier (PROTECTION_PAGE, then the re-read).
 * exec:  kretprobe on begin_new_exec().  Its entry marks the old mm as
 *        being replaced, so the ->release that exec_mmap() triggers is not
 *        reported as an exit; its return queues task_work (TWA_RESUME) that
 *        runs before the first user instruction of the new image and hands
 *        the session to the core's kmr_session_exec() (EXEC record, detach,
 *        attach to the new mm, snapshot).
 * exit:  ->release of the traced mm when it was not replaced by exec.
 */
#include <linux/binfmts.h>
#include <linux/kprobes.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/task_work.h>
#include <linux/tracepoint.h>
#include <linux/wait.h>
#include "ksyms.h"
#include "probes.h"

/* ------------------------------------------------------------------------ */
/* fork                                                                     */
/* ------------------------------------------------------------------------ */

static void kmr_tp_fork(void *data, struct task_struct *parent,
			struct task_struct *child)
{
	struct mm_struct *mm = parent->mm;
	struct kmr_session *s;

	/* threads and vfork share the mm: not a new address space */
	if (!mm || child->mm == mm || !kmr_mm_traced(mm))
		return;
	kmr_for_each_session_mm(mm, s)
		kmr_emit_fork(s, child->tgid);
}

static struct tracepoint *kmr_tp_fork_tp;

static void kmr_find_tp(struct tracepoint *tp, void *priv)
{
	if (!strcmp(tp->name, "sched_process_fork"))
		*(struct tracepoint **)priv = tp;
}

/* ------------------------------------------------------------------------ */
/* exec                                                                     */
/* ------------------------------------------------------------------------ */

#define KMR_EXEC_SESSIONS	8

struct kmr_exec_work {
	struct callback_head cb;
	unsigned int nr;
	struct kmr_session *s[KMR_EXEC_SESSIONS];
	char filename[KMR_NAME_MAX + 1];
};

/* task_work queued and not yet run: module unload waits for them. */
static atomic_t kmr_exec_pending = ATOMIC_INIT(0);
static DECLARE_WAIT_QUEUE_HEAD(kmr_exec_wq);

static void kmr_exec_work_free(struct kmr_exec_work *w)
{
	unsigned int i;

	for (i = 0; i < w->nr; i++)
		kmr_session_put(w->s[i]);
	kfree(w);
}

/* Exit code as wait() reports it, when the caller is the exiting target. */
static int kmr_exit_code(void)
{
	if (current->signal->flags & SIGNAL_GROUP_EXIT)
		return current->signal->group_exit_code;
	return current->exit_code;
}

/* In the exec'ing task, before the new image's first instruction. */
static void kmr_exec_work_fn(struct callback_head *cb)
{
	struct kmr_exec_work *w = container_of(cb, struct kmr_exec_work, cb);
	struct mm_struct *mm = current->mm;
	unsigned int i;

	for (i = 0; i < w->nr; i++) {
		/* killed after the point of no return: the old mm is gone */
		if (!mm || (current->flags & PF_EXITING))
			kmr_session_target_exit(w->s[i], kmr_exit_code());
		else
			kmr_session_exec(w->s[i], mm, w->filename);
	}
	kmr_exec_work_free(w);
	if (atomic_dec_and_test(&kmr_exec_pending))
		wake_up_all(&kmr_exec_wq);
}

struct kmr_exec_ri {
	struct kmr_exec_work *w;
	struct mm_struct *old_mm;
	struct kmr_pmm *pmm;
};

static int kmr_exec_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct linux_binprm *bprm =
		(struct linux_binprm *)regs_get_kernel_argument(regs, 0);
	struct kmr_exec_ri *d = (struct kmr_exec_ri *)ri->data;
	struct mm_struct *mm = current->mm;
	struct kmr_exec_work *w;
	struct kmr_session *s;

	if (likely(!mm || !kmr_mm_traced(mm)))
		return 1;
	w = kzalloc(sizeof(*w), GFP_ATOMIC);
	if (!w)
		return 1;
	/* only the target's own exec replaces its mm (not a vfork child's) */
	kmr_for_each_session_mm(mm, s) {
		if (kmr_session_pid(s) != current->tgid)
			continue;
		if (WARN_ON_ONCE(w->nr == KMR_EXEC_SESSIONS))
			break;
		kmr_session_get(s);
		w->s[w->nr++] = s;
	}
	if (!w->nr) {
		kfree(w);
		return 1;
	}
	strscpy(w->filename, bprm->filename, sizeof(w->filename));
	d->w = w;
	d->old_mm = mm;
	d->pmm = kmr_pmm_of_sem(&mm->mmap_lock);
	if (d->pmm)
		WRITE_ONCE(d->pmm->execing, true);
	return 0;
}

static int kmr_exec_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kmr_exec_ri *d = (struct kmr_exec_ri *)ri->data;

	/* Failed before exec_mmap(): the old image runs on. */
	if (current->mm == d->old_mm) {
		if (d->pmm)
			WRITE_ONCE(d->pmm->execing, false);
		kmr_exec_work_free(d->w);
		return 0;
	}
	init_task_work(&d->w->cb, kmr_exec_work_fn);
	atomic_inc(&kmr_exec_pending);
	if (task_work_add(current, &d->w->cb, TWA_RESUME)) {
		/* the task is past exit_task_work(): nothing will run it */
		kmr_exec_work_free(d->w);
		atomic_dec(&kmr_exec_pending);
	}
	return 0;
}

static struct kretprobe kmr_exec_probe = {
	.kp.symbol_name	= "begin_new_exec",
	.entry_handler	= kmr_exec_entry,
	.handler	= kmr_exec_return,
	.data_size	= sizeof(struct kmr_exec_ri),
	.maxactive	= 64,
};

/* ------------------------------------------------------------------------ */
/* exit: ->release of a traced mm                                           */
/* ------------------------------------------------------------------------ */

void kmr_proc_mm_released(struct kmr_pmm *pmm, struct mm_struct *mm)
{
	struct kmr_session *ss[KMR_EXEC_SESSIONS];
	unsigned int nr = 0, i;
	struct kmr_session *s;
	int code = -1;

	if (!READ_ONCE(pmm->execing)) {
		rcu_read_lock();
		kmr_for_each_session_mm(mm, s) {
			if (WARN_ON_ONCE(nr == ARRAY_SIZE(ss)))
				break;
			kmr_session_get(s);
			ss[nr++] = s;
		}
		rcu_read_unlock();
		/* usually the target's last thread, in exit_mm() */
		if (!current->mm && nr && current->tgid == kmr_session_pid(ss[0]))
			code = kmr_exit_code();
		for (i = 0; i < nr; i++) {
			kmr_session_target_exit(ss[i], code);
			kmr_session_put(ss[i]);
		}
	}
	/* the mm may be recycled: stop matching its mmap_lock */
	mutex_lock(&kmr_attach_lock);
	kmr_pmm_unlist(pmm);
	mutex_unlock(&kmr_attach_lock);
}

/* ------------------------------------------------------------------------ */
/* Registration                                                             */
/* ------------------------------------------------------------------------ */

int kmr_proc_register(void)
{
	int ret;

	if (!kmr_tp_fork_tp)
		for_each_kernel_tracepoint(kmr_find_tp, &kmr_tp_fork_tp);
	if (!kmr_tp_fork_tp) {
		pr_err("kmemrec: tracepoint sched_process_fork not found\n");
		return -ENOENT;
	}
	ret = tracepoint_probe_register(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	if (ret) {
		pr_err("kmemrec: cannot hook sched_process_fork: %d\n", ret);
		return ret;
	}
	kmr_exec_probe.kp.addr = NULL;
	kmr_exec_probe.kp.flags = 0;
	kmr_exec_probe.nmissed = 0;
	ret = kmr_ksym_check_hook(kmr_exec_probe.kp.symbol_name);
	if (!ret)
		ret = register_kretprobe(&kmr_exec_probe);
	if (ret) {
		pr_err("kmemrec: cannot hook begin_new_exec: %d\n", ret);
		goto undo_tp;
	}
	return 0;

undo_tp:
	tracepoint_probe_unregister(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	tracepoint_synchronize_unregister();
	return ret;
}

void kmr_proc_unregister(void)
{
	tracepoint_probe_unregister(kmr_tp_fork_tp, kmr_tp_fork, NULL);
	tracepoint_synchronize_unregister();
	unregister_kretprobe(&kmr_exec_probe);
}

void kmr_proc_drain(void)
{
	wait_event(kmr_exec_wq, !atomic_read(&kmr_exec_pending));
}
