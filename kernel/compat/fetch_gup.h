/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmemfetch's kernel-version differences (owned by kmemfetch; fetch*.c).
 * KMR_KV is major * 100 + minor (601, 612), set for every object by Kbuild
 * (checkpatch rejects LINUX_VERSION_CODE).
 */
#ifndef KMR_KV
#error "KMR_KV must be set by the build (Kbuild ccflags-y)"
#endif
#ifndef _KMR_COMPAT_FETCH_GUP_H
#define _KMR_COMPAT_FETCH_GUP_H

#include <linux/mm.h>

/*
 * get_user_pages_remote() lost its @vmas argument in 6.5.  Called with
 * @locked NULL: the caller holds mmap_lock for read and GUP never drops it.
 */
static inline long kmr_gup_remote(struct mm_struct *mm, unsigned long start,
				  unsigned long nr_pages,
				  unsigned int gup_flags, struct page **pages)
{
#if KMR_KV >= 605
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL);
#else
	return get_user_pages_remote(mm, start, nr_pages, gup_flags, pages,
				     NULL, NULL);
#endif
}

#endif /* _KMR_COMPAT_FETCH_GUP_H */
