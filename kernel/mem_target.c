// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch: whose memory, may we touch it, and who must hear about a write.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/pid.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/sched/task.h>
#include "mem.h"
#include "session.h"

/*
 * The mm of a process named by pid, as fs/proc's mm_access() gets it: the
 * permission check and get_task_mm() under exec_update_lock, so an execve
 * (maybe set-uid) cannot swap the mm between the check and the reference.
 * The check is the core's ptrace-attach check (kmr_perm_check_attach()),
 * the same one KMR_IOC_ATTACH makes.
 */
static struct mm_struct *kmr_mem_pid_mm(pid_t nr)
{
	struct task_struct *task;
	struct mm_struct *mm;
	struct pid *pid;
	int err;

	pid = find_get_pid(nr);
	if (!pid)
		return ERR_PTR(-ESRCH);
	task = get_pid_task(pid, PIDTYPE_PID);
	put_pid(pid);
	if (!task)
		return ERR_PTR(-ESRCH);

	err = down_read_killable(&task->signal->exec_update_lock);
	if (err) {
		mm = ERR_PTR(err);
		goto put_task;
	}
	/* NULL for kernel threads and for a process that has exited */
	mm = get_task_mm(task);
	if (!mm) {
		mm = ERR_PTR(-ESRCH);
	} else {
		err = kmr_perm_check_attach(task);
		if (err) {
			mmput(mm);
			mm = ERR_PTR(err);
		}
	}
	up_read(&task->signal->exec_update_lock);
put_task:
	put_task_struct(task);
	return mm;
}

struct mm_struct *kmr_mem_get_mm(struct kmr_session *s, u32 pid)
{
	struct mm_struct *mm;

	if (pid) {
		if (pid > PID_MAX_LIMIT)
			return ERR_PTR(-ESRCH);
		return kmr_mem_pid_mm((pid_t)pid);
	}
	/* The attached target: permission was checked at ATTACH. */
	mm = kmr_session_get_mm(s);
	return mm ? mm : ERR_PTR(-ESRCH);
}

bool kmr_mem_vma_ok(struct vm_area_struct *vma)
{
	if (vma->vm_flags & (VM_IO | VM_PFNMAP))
		return false;
	/*
	 * memfd_secret() pages are unmapped from the direct map: touching them
	 * through kmap would oops.  vma_is_secretmem() is not exported; the
	 * file of such a mapping lives on the secretmem pseudo filesystem.
	 */
	if (vma->vm_file &&
	    file_inode(vma->vm_file)->i_sb->s_magic == SECRETMEM_MAGIC)
		return false;
	return true;
}

void kmr_mem_note_write(struct mm_struct *mm, unsigned long addr, u64 len,
			enum kmr_mem_mode mode)
{
	u32 writer = task_tgid_nr(current);
	struct kmr_session *t;

	if (!len)
		return;
	rcu_read_lock();
	kmr_for_each_session_mm(mm, t) {
		kmr_emit_mem_write(t, addr, len, writer, mode);
		kmr_stat_mem_write(t);
	}
	rcu_read_unlock();
}
