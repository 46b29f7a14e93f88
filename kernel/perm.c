// SPDX-License-Identifier: GPL-2.0
/*
 * Who may trace whom.
 *
 * The rule is ptrace's PTRACE_MODE_ATTACH_REALCREDS, but ptrace_may_access()
 * is not exported to modules (6.1 and 6.12), so this file restates
 * __ptrace_may_access() from kernel/ptrace.c: same thread group, or the
 * caller's real uid/gid equal to the target's uids/gids, or CAP_SYS_PTRACE
 * over the target's user namespace; then the target must be dumpable or the
 * caller capable over the mm's user namespace.  What it cannot do is call
 * the LSM hook (security_ptrace_access_check(), not exported either): Yama's
 * ptrace_scope, SELinux and AppArmor ptrace rules are not consulted.  The
 * device is mode 0600, so by default only root reaches this check at all.
 */
#include <linux/sched.h>
#include <linux/sched/signal.h>
#include <linux/sched/coredump.h>
#include <linux/cred.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include "session.h"

static bool kmr_ids_match(kuid_t uid, kgid_t gid, const struct cred *tcred)
{
	return uid_eq(uid, tcred->euid) && uid_eq(uid, tcred->suid) &&
	       uid_eq(uid, tcred->uid) && gid_eq(gid, tcred->egid) &&
	       gid_eq(gid, tcred->sgid) && gid_eq(gid, tcred->gid);
}

/* task_still_dumpable() of kernel/ptrace.c; task_lock held. */
static bool kmr_task_dumpable(struct task_struct *task)
{
	struct mm_struct *mm = task->mm;

	if (mm) {
		if (__get_dumpable(mm->flags) == SUID_DUMP_USER)
			return true;
		return ns_capable(mm->user_ns, CAP_SYS_PTRACE);
	}
	if (task->user_dumpable)
		return true;
	return ns_capable(&init_user_ns, CAP_SYS_PTRACE);
}

/* 0 if current may trace @task, -EPERM otherwise. */
int kmr_perm_check_attach(struct task_struct *task)
{
	const struct cred *cred = current_cred(), *tcred;
	bool ok;

	task_lock(task);
	if (same_thread_group(task, current)) {
		task_unlock(task);
		return 0;
	}
	rcu_read_lock();
	tcred = __task_cred(task);
	ok = kmr_ids_match(cred->uid, cred->gid, tcred) ||
	     ns_capable(tcred->user_ns, CAP_SYS_PTRACE);
	rcu_read_unlock();
	/* Read dumpability after the creds (pairs with commit_creds()). */
	smp_rmb();
	ok = ok && kmr_task_dumpable(task);
	task_unlock(task);
	return ok ? 0 : -EPERM;
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
 * Called in the exec'ing @task (creds already committed): may the recorder
 * that attached before the exec go on tracing the new image?  A set-id or
 * file-capability exec makes the mm non-dumpable or changes the ids, which
 * only a privileged recorder may follow (ptrace's LSM_UNSAFE_PTRACE rule,
 * decided with what the recorder was at ATTACH).
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
	ok = kmr_ids_match(s->tracer_uid, s->tracer_gid, tcred);
	rcu_read_unlock();
	return ok;
}
