/* SPDX-License-Identifier: GPL-2.0 */
/* ioctl handlers behind main.c's dispatch. */
#ifndef _KMR_IOCTL_H
#define _KMR_IOCTL_H

#include <linux/types.h>

struct kmr_session;

long kmr_ioctl_version(struct kmr_session *s, void __user *arg);
long kmr_ioctl_attach(struct kmr_session *s, void __user *arg);
long kmr_ioctl_stats(struct kmr_session *s, void __user *arg);
long kmr_ioctl_release(struct kmr_session *s, void __user *arg);

#endif /* _KMR_IOCTL_H */
