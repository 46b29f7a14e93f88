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

struct mm_struct *kmr_perm_get_target(pid_t nr, pid_t *tgid,
				      pid_t *tgid_vnr)
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
		*tgid = task_tgid_nr(task);
	if (tgid_vnr)
		*tgid_vnr = task_tgid_vnr(task);
	put_task_struct(task);
	return mm;
}

struct mm_struct *kmr_perm_get_mm(pid_t nr, pid_t *tgid)
{
	return kmr_perm_get_target(nr, tgid, NULL);
}

/*
 * Remember the recorder's credentials for kmr_perm_exec_denied(), and
 * whether it has CAP_SYS_PTRACE over the user namespace of the target's
 * @mm (as ptrace_may_access() asks): root, or the owner of a container's
 * user namespace.
 */
void kmr_perm_save_tracer(struct kmr_session *s, struct mm_struct *mm)
{
	s->tracer_cred = get_current_cred();
	s->target_user_ns = get_user_ns(mm->user_ns);
	s->tracer_privileged = ns_capable_noaudit(s->target_user_ns,
						  CAP_SYS_PTRACE);
}

void kmr_perm_drop_tracer(struct kmr_session *s)
{
	if (s->tracer_cred)
		put_cred(s->tracer_cred);
	s->tracer_cred = NULL;
	if (s->target_user_ns)
		put_user_ns(s->target_user_ns);
	s->target_user_ns = NULL;
}

/*
 * Called in the exec'ing task, creds committed: may the recorder that
 * attached before the exec go on tracing the new image?  The recorder is
 * not current here, so ptrace_may_access() cannot ask; the rules are
 * ptrace's own for an exec under a tracer and for a later attach.  Unless
 * the recorder had CAP_SYS_PTRACE over the target's user namespace when it
 * attached, and the image is still in that namespace:
 *   - no secure exec (@secure, the exec's bprm->secureexec: commoncap sets
 *     it for set-uid/set-gid and file capabilities, LSMs for a domain
 *     change; ptrace would have refused or cancelled those);
 *   - the image is dumpable (not, e.g., for an unreadable binary);
 *   - as __ptrace_may_access() and cap_ptrace_access_check() check: the
 *     image's uids and gids are all the recorder's real ones, in its user
 *     namespace, with permitted capabilities the recorder has too.
 */
u32 kmr_perm_exec_denied(struct kmr_session *s, struct mm_struct *new_mm,
			 bool secure)
{
	const struct cred *tracer = s->tracer_cred, *cred = current_cred();
	u32 why = 0;

	if (s->tracer_privileged && new_mm->user_ns == s->target_user_ns)
		return 0;
	if (secure)
		why |= KMR_EXIT_F_SECUREEXEC;
	if (__get_dumpable(new_mm->flags) != SUID_DUMP_USER)
		why |= KMR_EXIT_F_EXEC_NODUMP;
	if (!uid_eq(tracer->uid, cred->euid) ||
	    !uid_eq(tracer->uid, cred->suid) ||
	    !uid_eq(tracer->uid, cred->uid) ||
	    !gid_eq(tracer->gid, cred->egid) ||
	    !gid_eq(tracer->gid, cred->sgid) ||
	    !gid_eq(tracer->gid, cred->gid) ||
	    tracer->user_ns != cred->user_ns ||
	    !cap_issubset(cred->cap_permitted, tracer->cap_permitted))
		why |= KMR_EXIT_F_EXEC_CREDS;
	return why;
}
