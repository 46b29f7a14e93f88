// SPDX-License-Identifier: GPL-2.0
/*
 * A VMA described as /proc/pid/maps shows it: the same name logic as
 * show_map_vma()/get_vma_name() in fs/proc/task_mmu.c of the running kernel
 * (compat/mm.h holds the differences), so a replay can be compared with the
 * maps file byte for byte.  Differences left to userspace: maps escapes
 * '\n' in paths as "\012", and prints the offset, device and inode of file
 * VMAs only (KMR_VMA_F_FILE).  x86's arch_vma_name() returns NULL in both
 * kernels and is not called.
 */
#include <linux/mm.h>
#include <linux/fs.h>
#include <linux/dcache.h>
#include <linux/kdev_t.h>
#include "emit.h"
#include "compat/mm.h"

static u32 kmr_vm_flags(vm_flags_t f)
{
	u32 k = 0;

	if (f & VM_READ)
		k |= KMR_VM_READ;
	if (f & VM_WRITE)
		k |= KMR_VM_WRITE;
	if (f & VM_EXEC)
		k |= KMR_VM_EXEC;
	if (f & VM_SHARED)
		k |= KMR_VM_SHARED;
	if (f & VM_MAYSHARE)
		k |= KMR_VM_MAYSHARE;
	if (f & VM_GROWSDOWN)
		k |= KMR_VM_GROWSDOWN;
	if (f & VM_LOCKED)
		k |= KMR_VM_LOCKED;
	if (f & (VM_IO | VM_PFNMAP))
		k |= KMR_VM_IO;
	if (f & VM_HUGEPAGE)
		k |= KMR_VM_HUGEPAGE;
	if (f & VM_NOHUGEPAGE)
		k |= KMR_VM_NOHUGEPAGE;
	if (f & VM_MERGEABLE)
		k |= KMR_VM_MERGEABLE;
	if (f & VM_DONTCOPY)
		k |= KMR_VM_DONTCOPY;
	if (f & VM_HUGETLB)
		k |= KMR_VM_HUGETLB;
	return k;
}

static void kmr_vma_set_name(struct kmr_vma_desc *d, const char *name)
{
	d->name = name;
	d->name_len = strlen(name);
}

static void kmr_vma_file_name(struct vm_area_struct *vma, char *buf,
			      int buflen, struct kmr_vma_desc *d)
{
	const char *anon = kmr_vma_anon_name(vma);
	char *p;

	if (anon) {
		snprintf(buf, buflen, "[anon_shmem:%s]", anon);
		kmr_vma_set_name(d, buf);
		return;
	}
	p = d_path(kmr_file_user_path(vma->vm_file), buf, buflen);
	if (IS_ERR(p)) {
		/* Longer than PATH_MAX: maps would print it, we cannot. */
		kmr_vma_set_name(d, "");
		d->flags |= KMR_VMA_F_NAME_TRUNC;
		return;
	}
	kmr_vma_set_name(d, p);
}

void kmr_vma_describe(struct vm_area_struct *vma, char *buf, int buflen,
		      struct kmr_vma_desc *d)
{
	const char *name;

	memset(d, 0, sizeof(*d));
	d->vm_flags = kmr_vm_flags(vma->vm_flags);
	kmr_vma_set_name(d, "");

	if (vma->vm_file) {
		const struct inode *inode = kmr_file_user_inode(vma->vm_file);

		d->flags = KMR_VMA_F_FILE;
		d->dev = new_encode_dev(inode->i_sb->s_dev);
		d->ino = inode->i_ino;
		kmr_vma_file_name(vma, buf, buflen, d);
		return;
	}
	if (vma->vm_ops && vma->vm_ops->name) {
		name = vma->vm_ops->name(vma);
		if (name) {
			d->flags = KMR_VMA_F_SPECIAL;
			kmr_vma_set_name(d, name);
			return;
		}
	}
	if (vma_is_anonymous(vma))
		d->flags = KMR_VMA_F_ANON;
	if (kmr_vma_is_initial_heap(vma)) {
		d->flags |= KMR_VMA_F_HEAP;
		kmr_vma_set_name(d, "[heap]");
	} else if (kmr_vma_is_initial_stack(vma)) {
		d->flags |= KMR_VMA_F_STACK;
		kmr_vma_set_name(d, "[stack]");
	} else {
		name = kmr_vma_anon_name(vma);
		if (name) {
			snprintf(buf, buflen, "[anon:%s]", name);
			kmr_vma_set_name(d, buf);
		}
	}
}
