// SPDX-License-Identifier: GPL-2.0
/*
 * Who may trace whom: ptrace's PTRACE_MODE_ATTACH_REALCREDS, decided by the
 * kernel's own ptrace_may_access() (LSMs, Yama, dumpability, user
 * namespaces included), reached through ksyms.c because it is not exported.
 * The target's exec_update_lock is held across the check and get_task_mm(),
 * as mm_access() in kernel/fork.c does, so the mm checked is the mm taken.
 */
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include <linux/sched/coredump.h>
#include <linux/ptrace.h>
#include <linux/pid.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include "session.h"
#include "ksyms.h"

static struct mm_struct *kmr_perm_task_mm(struct task_struct *task)
{
	struct mm_struct *mm;
	int ret;

	if (task->flags & PF_KTHREAD)
		return ERR_PTR(-EINVAL);	/* no user address space */
	ret = down_read_killable(&task->signal->exec_update_lock);
	if (ret)
		return ERR_PTR(ret);
	if (!kmr_ptrace_may_access(task, PTRACE_MODE_ATTACH_REALCREDS))
		mm = ERR_PTR(-EPERM);
	else
		mm = get_task_mm(task) ?: ERR_PTR(-ESRCH);
	up_read(&task->signal->exec_update_lock);
	return mm;
}

struct mm_struct *kmr_perm_get_mm(pid_t nr, pid_t *tgid)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;

	if (nr <= 0)
		return ERR_PTR(-ESRCH);
	pid = find_get_pid(nr);
	task = pid ? get_pid_task(pid, PIDTYPE_PID) : NULL;
	put_pid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);
	mm = kmr_perm_task_mm(task);
	if (tgid)
		*tgid = task_tgid_vnr(task);
	put_task_struct(task);
	return mm;
}

/* Remember the recorder's identity for kmr_perm_may_follow_exec(). */
void kmr_perm_save_tracer(struct kmr_session *s)
{
	const struct cred *cred = current_cred();

	s->tracer_uid = cred->uid;
	s->tracer_gid = cred->gid;
	s->tracer_privileged = ns_capable_noaudit(&init_user_ns,
						  CAP_SYS_PTRACE);
}

/*
 * Called in the exec'ing @task, creds committed: may the recorder that
 * attached before the exec go on tracing the new image?  The recorder is
 * not current here, so ptrace_may_access() cannot ask; the rule is ptrace's
 * own for an exec under a tracer: a set-id or file-capability image (the
 * mm is no longer dumpable, or the ids changed) is followed only by a
 * tracer that had CAP_SYS_PTRACE when it attached.
 */
bool kmr_perm_may_follow_exec(struct kmr_session *s, struct task_struct *task,
			      struct mm_struct *new_mm)
{
	const struct cred *tcred;
	bool ok;

	if (s->tracer_privileged)
		return true;
	if (__get_dumpable(new_mm->flags) != SUID_DUMP_USER)
		return false;
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = uid_eq(s->tracer_uid, tcred->euid) &&
	     uid_eq(s->tracer_uid, tcred->suid) &&
	     uid_eq(s->tracer_uid, tcred->uid) &&
	     gid_eq(s->tracer_gid, tcred->egid) &&
	     gid_eq(s->tracer_gid, tcred->sgid) &&
	     gid_eq(s->tracer_gid, tcred->gid);
	rcu_read_unlock();
	return ok;
}
