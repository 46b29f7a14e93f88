/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMA, file and vm_flags helpers that differ between the 6.1 and 6.12 LTS
 * kernels.  Every kernel-version test of the core lives in compat/.
 */
#ifndef _KMR_COMPAT_MM_H
#define _KMR_COMPAT_MM_H

#include <linux/mm.h>
#include <linux/fs.h>

/* 6.3 made vma->vm_flags read-only and added the vm_flags_*() writers. */
static inline void kmr_vm_flags_mod(struct vm_area_struct *vma,
				    vm_flags_t set, vm_flags_t clear)
{
#if KMR_KV >= 603
	vm_flags_mod(vma, set, clear);
#else
	vma->vm_flags = (vma->vm_flags | set) & ~clear;
#endif
}

/*
 * /proc/pid/maps' "[heap]" test.  6.1's show_map_vma() compares inclusively,
 * 6.12's vma_is_initial_heap() strictly: follow the running kernel so that
 * the names match its maps file exactly.
 */
static inline bool kmr_vma_is_initial_heap(const struct vm_area_struct *vma)
{
#if KMR_KV >= 606
	return vma_is_initial_heap(vma);
#else
	return vma->vm_start <= vma->vm_mm->brk &&
	       vma->vm_end >= vma->vm_mm->start_brk;
#endif
}

/* "[stack]": the same test in both kernels (is_stack() in 6.1). */
static inline bool kmr_vma_is_initial_stack(const struct vm_area_struct *vma)
{
	return vma->vm_start <= vma->vm_mm->start_stack &&
	       vma->vm_end >= vma->vm_mm->start_stack;
}

/*
 * prctl(PR_SET_VMA_ANON_NAME) names.  anon_vma_name() is not exported; read
 * the field as it does.  6.1 ignores the name of file (shmem) VMAs, 6.12
 * prints it as "[anon_shmem:%s]".  Debian builds without ANON_VMA_NAME.
 */
static inline const char *kmr_vma_anon_name(struct vm_area_struct *vma)
{
#ifdef CONFIG_ANON_VMA_NAME
#if KMR_KV < 602
	if (vma->vm_file)
		return NULL;
#endif
	return vma->anon_name ? vma->anon_name->name : NULL;
#else
	return NULL;
#endif
}

/* The path and inode maps shows (6.8 added backing files, overlayfs). */
static inline const struct path *kmr_file_user_path(struct file *file)
{
#if KMR_KV >= 608
	return file_user_path(file);
#else
	return &file->f_path;
#endif
}

static inline const struct inode *kmr_file_user_inode(struct file *file)
{
#if KMR_KV >= 608
	return file_user_inode(file);
#else
	return file_inode(file);
#endif
}

#endif /* _KMR_COMPAT_MM_H */
