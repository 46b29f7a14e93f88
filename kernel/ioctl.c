// SPDX-License-Identifier: GPL-2.0
/*
 * ioctl argument handling: copy in, validate every field (reserved and
 * padding must be zero, unknown flags are refused), call the session, copy
 * out.  Structures copied out are either the caller's own bytes or fully
 * initialized here.
 */
#include <linux/uaccess.h>
#include <linux/utsname.h>
#include <linux/string.h>
#include <linux/log2.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>
#include "ioctl.h"
#include "session.h"
#include "ring.h"
#include "follow.h"

long kmr_ioctl_version(struct kmr_session *s, void __user *arg)
{
	struct kmr_version v;

	memset(&v, 0, sizeof(v));
	v.abi_version = KMR_ABI_VERSION;
	v.features = KMR_FEAT_PER_CPU_RINGS | KMR_FEAT_PAGE_DATA |
		     KMR_FEAT_LOSSLESS | KMR_FEAT_FOLLOW |
		     kmr_fetch_features();
	if (!s->show_pfn)
		v.features |= KMR_FEAT_PFN_HIDDEN;
	strscpy(v.kernel_release, utsname()->release,
		sizeof(v.kernel_release));
	return copy_to_user(arg, &v, sizeof(v)) ? -EFAULT : 0;
}

/* Check @a and fill *@n with the effective values (defaults applied). */
static int kmr_attach_check(const struct kmr_attach *a, struct kmr_attach *n)
{
	*n = *a;
	if ((a->flags & ~KMR_ATTACH_F_VALID) || a->__pad ||
	    memchr_inv(a->reserved, 0, sizeof(a->reserved)))
		return -EINVAL;
	if (!a->start && !a->end)
		n->end = TASK_SIZE_MAX;
	if (n->start >= n->end || n->end > TASK_SIZE_MAX ||
	    !PAGE_ALIGNED(n->start) || !PAGE_ALIGNED(n->end))
		return -EINVAL;
	if (!n->event_mask)
		n->event_mask = KMR_MASK_ALL;
	if (n->event_mask & ~KMR_MASK_VALID)
		return -EINVAL;
	if (!n->ring_size)
		n->ring_size = KMR_RING_SIZE_DEFAULT;
	if (!is_power_of_2(n->ring_size) ||
	    n->ring_size < KMR_RING_SIZE_MIN ||
	    n->ring_size > KMR_RING_SIZE_MAX)
		return -EINVAL;
	if (!n->watermark)
		n->watermark = n->ring_size / 4;
	if (n->watermark > n->ring_size)
		return -EINVAL;
	if (!a->pid || a->pid > PID_MAX_LIMIT)
		return -ESRCH;
	return 0;
}

long kmr_ioctl_attach(struct kmr_session *s, void __user *arg)
{
	struct kmr_attach a, n;
	int ret;

	if (copy_from_user(&a, arg, sizeof(a)))
		return -EFAULT;
	ret = kmr_attach_check(&a, &n);
	if (ret)
		return ret;
	ret = kmr_session_attach(s, &n);
	if (ret)
		return ret;
	/* Give back the caller's inputs, with the out fields filled. */
	a.nr_rings = n.nr_rings;
	a.ctl_size = n.ctl_size;
	a.mmap_size = n.mmap_size;
	if (copy_to_user(arg, &a, sizeof(a))) {
		/* The caller cannot learn the geometry: leave nothing behind. */
		kmr_session_detach(s);
		return -EFAULT;
	}
	return 0;
}

long kmr_ioctl_stats(struct kmr_session *s, void __user *arg)
{
	struct kmr_stats st;
	struct mm_struct *mm;
	int ret;

	if (copy_from_user(&st, arg, sizeof(st)))
		return -EFAULT;
	if (memchr_inv(st.reserved, 0, sizeof(st.reserved)))
		return -EINVAL;
	if (st.vma_cap && !st.vma_buf)
		return -EINVAL;
	if (!kmr_session_attached(s))
		return -EINVAL;
	kmr_ring_totals(s, &st.events, &st.lost);
	kmr_stat_totals(s, &st);
	st.held_ns = atomic64_read(&s->held_ns);
	st.held_waits = atomic64_read(&s->held_waits);
	st.lost_other = kmr_ring_lost_other(s);
	st.vma_count = 0;
	mm = kmr_session_get_mm(s);
	if (mm) {	/* else the target is gone: no VMAs */
		ret = kmr_vmastat_fill(s, mm, &st,
				       u64_to_user_ptr(st.vma_buf));
		mmput(mm);
		if (ret)
			return ret;
	}
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

long kmr_ioctl_release(struct kmr_session *s, void __user *arg)
{
	struct kmr_release r;

	if (copy_from_user(&r, arg, sizeof(r)))
		return -EFAULT;
	if (r.flags || memchr_inv(r.reserved, 0, sizeof(r.reserved)))
		return -EINVAL;
	/* s->follow and s->pid_ns are set before ATTACHED and never change */
	if (!kmr_session_attached(s) || !s->follow)
		return -EINVAL;
	if (!r.pid || r.pid > PID_MAX_LIMIT)
		return -ENOENT;
	return kmr_follow_release(s, r.pid);
}
