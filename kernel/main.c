// SPDX-License-Identifier: GPL-2.0
/*
 * kmemrec: records a process's memory events into per-CPU rings that a
 * recorder maps read-only.  This file is the misc device /dev/kmemrec: one
 * open file is one session (session.h); the ioctl function only dispatches.
 */
#include <linux/module.h>
#include <linux/miscdevice.h>
#include <linux/fs.h>
#include <linux/poll.h>
#include <linux/workqueue.h>
#include <linux/ptrace.h>
#include <linux/capability.h>
#include <linux/user_namespace.h>
#include "ioctl.h"
#include "session.h"
#include "ring.h"
#include "emit.h"
#include "ksyms.h"
#include "follow.h"
#include "compat/fs.h"

/* The ABI is fixed-size and 8-byte aligned; catch any drift at build time. */
static_assert(sizeof(struct kmr_event) == 24);
static_assert(sizeof(struct kmr_ev_snapshot) == 56);
static_assert(sizeof(struct kmr_ev_vma_sync) == 48);
static_assert(sizeof(struct kmr_ev_vma) == 80);
static_assert(sizeof(struct kmr_ev_pte) == 40);
static_assert(sizeof(struct kmr_ev_pte_unmap) == 40);
static_assert(sizeof(struct kmr_ev_cow) == 56);
static_assert(sizeof(struct kmr_ev_fault) == 48);
static_assert(sizeof(struct kmr_fault_info) == 24);
static_assert(sizeof(struct kmr_ev_fork) == 32);
static_assert(sizeof(struct kmr_ev_exec) == 32);
static_assert(sizeof(struct kmr_ev_exit) == 32);
static_assert(sizeof(struct kmr_ev_lost) == 56);
static_assert(sizeof(struct kmr_ev_mem_write) == 48);
static_assert(sizeof(struct kmr_ev_page_data) == 48);
static_assert(sizeof(struct kmr_ev_signal) == 48);
static_assert(sizeof(struct kmr_ring_ctl) == 128);
static_assert(offsetof(struct kmr_ring_ctl, tail) == 64);
static_assert(sizeof(struct kmr_ctl) == 128);
static_assert(offsetof(struct kmr_ctl, ring) == 128);
static_assert(sizeof(struct kmr_version) == 80);
static_assert(sizeof(struct kmr_attach) == 104);
static_assert(sizeof(struct kmr_vma_stat) == 48);
static_assert(sizeof(struct kmr_stats) == 96);
static_assert(sizeof(struct kmr_walk) == 112);
static_assert(sizeof(struct kmr_mem) == 64);
static_assert(sizeof(struct kmr_page) == 48);
static_assert(sizeof(struct kmr_release) == 24);
static_assert(KMR_REC_MAX + sizeof(struct kmr_ev_lost) <= KMR_EV_MAX_SIZE);
static_assert(KMR_REC_MAX + KMR_RING_SLACK <= KMR_RING_SIZE_MIN / 2);

static int kmr_open(struct inode *inode, struct file *file)
{
	struct kmr_session *s = kmr_session_alloc();

	if (!s)
		return -ENOMEM;
	/* Checked against the opener's credentials, as pagemap_open() does. */
	s->show_pfn = file_ns_capable(file, &init_user_ns, CAP_SYS_ADMIN);
	file->private_data = s;
	kmr_file_unsigned_offset(file);
	return 0;
}

static int kmr_release(struct inode *inode, struct file *file)
{
	kmr_session_release(file->private_data);
	return 0;
}

static long kmr_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct kmr_session *s = file->private_data;
	void __user *argp = (void __user *)arg;

	switch (cmd) {
	case KMR_IOC_VERSION:
		return kmr_ioctl_version(s, argp);
	case KMR_IOC_ATTACH:
		return kmr_ioctl_attach(s, argp);
	case KMR_IOC_START:
		return kmr_session_start(s);
	case KMR_IOC_STOP:
		return kmr_session_stop(s);
	case KMR_IOC_DETACH:
		return kmr_session_detach(s);
	case KMR_IOC_STATS:
		return kmr_ioctl_stats(s, argp);
	case KMR_IOC_WALK:
		return kmr_fetch_ioctl_walk(s, argp);
	case KMR_IOC_MEM:
		return kmr_fetch_ioctl_mem(s, argp);
	case KMR_IOC_PAGE:
		return kmr_fetch_ioctl_page(s, argp);
	case KMR_IOC_RELEASE:
		return kmr_ioctl_release(s, argp);
	default:
		return -ENOTTY;
	}
}

static __poll_t kmr_poll(struct file *file, struct poll_table_struct *wait)
{
	struct kmr_session *s = file->private_data;

	poll_wait(file, &s->wq, wait);
	if (!kmr_session_attached(s))
		return EPOLLERR;
	/* the reader is reading: held threads recheck (hold.c) */
	kmr_hold_wake(s);
	if (kmr_ring_has_data(s))
		return EPOLLIN | EPOLLRDNORM;
	/* Ended and drained: whoever stops at HUP has read every record. */
	if (kmr_sf(s, KMR_SF_ENDED))
		return EPOLLHUP;
	return 0;
}

static int kmr_mmap(struct file *file, struct vm_area_struct *vma)
{
	return kmr_ring_mmap(file->private_data, vma);
}

static ssize_t kmr_read(struct file *file, char __user *buf, size_t len,
			loff_t *pos)
{
	return kmr_fetch_pread(file->private_data, buf, len, pos);
}

static ssize_t kmr_write(struct file *file, const char __user *buf,
			 size_t len, loff_t *pos)
{
	return kmr_fetch_pwrite(file->private_data, buf, len, pos);
}

/*
 * The file offset is a target address (pread/pwrite, kmemfetch): any
 * 64-bit value, set as /proc/pid/mem's mem_lseek() sets it.
 */
static loff_t kmr_llseek(struct file *file, loff_t offset, int whence)
{
	switch (whence) {
	case SEEK_SET:
		file->f_pos = offset;
		break;
	case SEEK_CUR:
		file->f_pos += offset;
		break;
	default:
		return -EINVAL;
	}
	force_successful_syscall_return();
	return file->f_pos;
}

static const struct file_operations kmr_fops = {
	.owner = THIS_MODULE,
	.open = kmr_open,
	.release = kmr_release,
	.unlocked_ioctl = kmr_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.poll = kmr_poll,
	.mmap = kmr_mmap,
	.read = kmr_read,
	.write = kmr_write,
	.llseek = kmr_llseek,
	KMR_FOPS_UNSIGNED_OFFSET
};

static struct miscdevice kmr_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = KMR_DEVICE_NAME,
	.fops = &kmr_fops,
	.mode = 0600,
};

static int __init kmr_init(void)
{
	int ret;

	ret = kmr_ksyms_init();
	if (ret)
		return ret;
	kmr_free_wq = alloc_workqueue("kmemrec_free", WQ_UNBOUND, 0);
	if (!kmr_free_wq)
		return -ENOMEM;
	kmr_wq = alloc_workqueue("kmemrec", WQ_UNBOUND, 0);
	if (!kmr_wq) {
		destroy_workqueue(kmr_free_wq);
		return -ENOMEM;
	}
	ret = kmr_vma_emit_init();
	if (ret)
		goto destroy_wq;
	ret = kmr_probes_init();
	if (ret)
		goto exit_vma_emit;
	ret = misc_register(&kmr_misc);
	if (ret)
		goto exit_probes;
	return 0;

exit_probes:
	kmr_probes_exit();
exit_vma_emit:
	kmr_vma_emit_exit();
destroy_wq:
	destroy_workqueue(kmr_wq);
	destroy_workqueue(kmr_free_wq);
	return ret;
}

static void __exit kmr_exit(void)
{
	misc_deregister(&kmr_misc);
	kmr_probes_exit();
	kmr_hold_drain();
	kmr_follow_drain();
	/*
	 * Resyncs first (one may drop a session's last reference), then the
	 * deferred frees of the last sessions.
	 */
	destroy_workqueue(kmr_wq);
	destroy_workqueue(kmr_free_wq);
	kmr_vma_emit_exit();
}

module_init(kmr_init);
module_exit(kmr_exit);
MODULE_DESCRIPTION("kmemrec: record a process's memory events");
MODULE_LICENSE("GPL");
