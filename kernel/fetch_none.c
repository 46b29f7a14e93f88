// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch's entry points before kmemfetch exists: pread/pwrite on the fd
 * and KMR_IOC_MEM/WALK/PAGE.  kmemfetch provides the real ones in mem*.c
 * and walk*.c and removes this file from Kbuild.
 */
#include <linux/errno.h>
#include "kmemrec.h"
#include "ioctl.h"

u64 kmr_fetch_features(void)
{
	return 0;
}

long kmr_fetch_ioctl_mem(struct kmr_session *s, void __user *arg)
{
	return -ENOTTY;
}

long kmr_fetch_ioctl_walk(struct kmr_session *s, void __user *arg)
{
	return -ENOTTY;
}

long kmr_fetch_ioctl_page(struct kmr_session *s, void __user *arg)
{
	return -ENOTTY;
}

ssize_t kmr_fetch_pread(struct kmr_session *s, char __user *buf, size_t len,
			loff_t *pos)
{
	return -EINVAL;
}

ssize_t kmr_fetch_pwrite(struct kmr_session *s, const char __user *buf,
			 size_t len, loff_t *pos)
{
	return -EINVAL;
}
