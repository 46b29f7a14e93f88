// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch dispatch: KMR_IOC_MEM and pread/pwrite on the session fd.
 *
 * Addresses: the target's user space ends at mm->task_size (TASK_SIZE_OF
 * the target, fixed at its exec; 2^47 or 2^56 - 4 KiB with la57 on x86-64).
 * An access starting at or above it is -EFAULT; one that would cross it is
 * clipped there.  pread/pwrite offsets are the virtual address itself; the
 * file has unsigned offsets (as /proc/pid/mem), so an address above
 * LLONG_MAX reaches us and is refused here rather than by the VFS.
 *
 * Results: a partial copy is a success with fewer bytes (KMR_IOC_MEM's
 * @done, pread's return value); an errno comes back only when nothing was
 * copied, or (KMR_IOC_MEM) when the caller's buffer faulted on a read.  A
 * write is never partial because of the caller's buffer: it is copied in
 * before the target is touched.
 */
#include <linux/err.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/uaccess.h>
#include "fetch.h"

/* Clip [addr, addr + *len) to the target's user space; -EFAULT above it. */
static int kmr_mem_clip(struct mm_struct *mm, u64 addr, u64 *len)
{
	if (addr >= mm->task_size)
		return -EFAULT;
	*len = min_t(u64, *len, mm->task_size - addr);
	return 0;
}

long kmr_fetch_ioctl_mem(struct kmr_session *s, void __user *arg)
{
	struct kmr_mem __user *uarg = arg;
	void __user *ubuf;
	struct mm_struct *mm;
	struct kmr_mem m;
	size_t done = 0;
	bool write;
	u64 len;
	int err;

	if (copy_from_user(&m, uarg, sizeof(m)))
		return -EFAULT;
	if (m.__pad || m.reserved[0] || m.reserved[1] ||
	    (m.flags & ~(KMR_MEM_F_WRITE | KMR_MEM_F_FORCE)))
		return -EINVAL;
	if (m.mode != KMR_MEM_WALK && m.mode != KMR_MEM_GUP)
		return -EINVAL;
	/* walk mode never writes a read-only entry: nothing to force */
	if (m.mode == KMR_MEM_WALK && (m.flags & KMR_MEM_F_FORCE))
		return -EINVAL;
	write = m.flags & KMR_MEM_F_WRITE;
	ubuf = u64_to_user_ptr(m.buf);
	len = m.len;
	if (!access_ok(ubuf, len))
		return -EFAULT;

	mm = kmr_mem_get_mm(s, m.pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	err = kmr_mem_clip(mm, m.addr, &len);
	if (!err && len) {
		if (m.mode == KMR_MEM_WALK)
			err = kmr_mem_walk_access(mm, m.addr, ubuf, len, write,
						  &done);
		else
			err = kmr_mem_gup_access(mm, m.addr, ubuf, len,
						 m.flags, &done);
	}
	if (write)
		kmr_mem_note_write(mm, m.addr, done, m.mode);
	mmput(mm);
	/* a read into a bad buffer fails even when part was copied */
	if (err && (!done || !write))
		return err;
	if (put_user((u64)done, &uarg->done))
		return -EFAULT;
	return 0;
}

/*
 * pread/pwrite: GUP mode without FOLL_FORCE (memory as the target itself may
 * access it), in calls of at most KMR_GUP_{READ,WRITE}_PAGES pages.
 */
static ssize_t kmr_fetch_rw(struct kmr_session *s, char __user *buf,
			    size_t count, loff_t *pos, bool write)
{
	u64 addr = (u64)*pos, len = count;
	struct mm_struct *mm;
	size_t copied = 0;
	int err;

	mm = kmr_session_get_mm(s);
	if (!mm)
		return -ESRCH;
	err = kmr_mem_clip(mm, addr, &len);
	while (!err && copied < len) {
		size_t done = 0;

		err = kmr_mem_gup_access(mm, addr + copied, buf + copied,
					 len - copied,
					 write ? KMR_MEM_F_WRITE : 0, &done);
		copied += done;
		if (!done || fatal_signal_pending(current))
			break;
		cond_resched();
	}
	if (write)
		kmr_mem_note_write(mm, addr, copied, KMR_MEM_PRW);
	mmput(mm);
	/* read(2) rules: bytes copied before a hole or a fault are a result */
	if (!copied)
		return err;
	*pos = (loff_t)(addr + copied);
	return copied;
}

ssize_t kmr_fetch_pread(struct kmr_session *s, char __user *buf, size_t len,
			loff_t *pos)
{
	return kmr_fetch_rw(s, buf, len, pos, false);
}

ssize_t kmr_fetch_pwrite(struct kmr_session *s, const char __user *buf,
			 size_t len, loff_t *pos)
{
	return kmr_fetch_rw(s, (char __user *)buf, len, pos, true);
}
