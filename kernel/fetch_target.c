// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch: whose memory, may we touch it, and who must hear about a write.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/magic.h>
#include <linux/mm.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/threads.h>
#include "fetch.h"

struct mm_struct *kmr_mem_get_mm(struct kmr_session *s, u32 pid)
{
	struct mm_struct *mm;

	/*
	 * A process named by pid: the core's ptrace-attach check, the same
	 * one KMR_IOC_ATTACH makes (the kernel's own ptrace_may_access(),
	 * under the target's exec_update_lock as mm_access() does it).
	 */
	if (pid) {
		if (pid > PID_MAX_LIMIT)
			return ERR_PTR(-ESRCH);
		mm = kmr_perm_get_mm((pid_t)pid, NULL);
		/* a kernel thread has no user memory to read */
		return mm == ERR_PTR(-EINVAL) ? ERR_PTR(-ESRCH) : mm;
	}
	/* The attached target: permission was checked at ATTACH. */
	mm = kmr_session_get_mm(s);
	return mm ? mm : ERR_PTR(-ESRCH);
}

u64 kmr_fetch_features(void)
{
	return KMR_FEAT_MEM_RW | KMR_FEAT_WALK;
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
