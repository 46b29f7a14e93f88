/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Unsigned file offsets (pread/pwrite at any 64-bit address of the target,
 * like /proc/pid/mem): 6.12 replaced the per-open FMODE_UNSIGNED_OFFSET by
 * the per-fops FOP_UNSIGNED_OFFSET (and warns if the old way is used).
 */
#ifndef _KMR_COMPAT_FS_H
#define _KMR_COMPAT_FS_H

#include <linux/fs.h>

/* KMR_FOPS_UNSIGNED_OFFSET goes last in a file_operations initializer. */
#if KMR_KV >= 612
#define KMR_FOPS_UNSIGNED_OFFSET	.fop_flags = FOP_UNSIGNED_OFFSET
static inline void kmr_file_unsigned_offset(struct file *file)
{
}
#else
#define KMR_FOPS_UNSIGNED_OFFSET
static inline void kmr_file_unsigned_offset(struct file *file)
{
	file->f_mode |= FMODE_UNSIGNED_OFFSET;
}
#endif

#endif /* _KMR_COMPAT_FS_H */
