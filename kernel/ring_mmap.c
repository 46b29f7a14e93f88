// SPDX-License-Identifier: GPL-2.0
/*
 * mmap() of a session's rings.  Offsets and sizes must match the geometry
 * ATTACH returned exactly (as kernel/kcov.c insists): the control area
 * alone at offset 0 (read-write), the rings alone at data_offset
 * (read-only), or everything at offset 0 (read-only, for inspection).
 */
#include <linux/mm.h>
#include <linux/vmalloc.h>
#include "session.h"
#include "ring.h"
#include "compat/mm.h"

/*
 * remap_vmalloc_range() without its VM_USERMAP requirement, which only
 * vmalloc_user() meets: the rings come from __vmalloc() to be charged to the
 * caller's memcg (ring.c), zeroed and page aligned all the same.
 */
static int kmr_ring_insert_pages(struct vm_area_struct *vma, void *buf,
				 unsigned long pgoff)
{
	char *kaddr = (char *)buf + (pgoff << PAGE_SHIFT);
	unsigned long uaddr;
	int ret;

	for (uaddr = vma->vm_start; uaddr < vma->vm_end; uaddr += PAGE_SIZE) {
		ret = vm_insert_page(vma, uaddr, vmalloc_to_page(kaddr));
		if (ret)
			return ret;
		kaddr += PAGE_SIZE;
	}
	return 0;
}

int kmr_ring_mmap(struct kmr_session *s, struct vm_area_struct *vma)
{
	/* DONTCOPY: a fork of the recorder must not keep the session alive. */
	const vm_flags_t keep = VM_DONTCOPY | VM_DONTEXPAND | VM_DONTDUMP;
	unsigned long size = vma->vm_end - vma->vm_start;
	unsigned long pgoff = vma->vm_pgoff;
	bool has_rings;

	/*
	 * No s->lock here: mmap runs under the caller's mmap_lock, which
	 * nests inside s->lock when a process traces itself.  The buffer is
	 * set before ATTACHED and lives until the file is released.
	 */
	if (!kmr_session_attached(s))
		return -EINVAL;

	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (pgoff == 0 && size == s->ctl_size)
		has_rings = false;
	else if (pgoff == 0 && size == s->mmap_size)
		has_rings = true;
	else if (pgoff == s->ctl_size >> PAGE_SHIFT &&
		 size == s->mmap_size - s->ctl_size)
		has_rings = true;
	else
		return -EINVAL;

	if (has_rings) {
		if (vma->vm_flags & VM_WRITE)
			return -EPERM;
		/* mprotect(PROT_WRITE) must fail too. */
		kmr_vm_flags_mod(vma, keep, VM_MAYWRITE);
	} else {
		kmr_vm_flags_mod(vma, keep, 0);
	}
	return kmr_ring_insert_pages(vma, s->buf, pgoff);
}
