// SPDX-License-Identifier: GPL-2.0
/*
 * KMR_IOC_WALK (virtual to physical with every level's entry) and
 * KMR_IOC_PAGE (a page's bytes by pfn, for the recorder).
 */
#include <linux/err.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/sched/mm.h>
#include <linux/uaccess.h>
#include "compat/pgtable.h"
#include "fetch.h"
#include "pgwalk.h"
#include "session.h"

/*
 * Without CAP_SYS_ADMIN (abi.h): no pfn, no physical address.  A present
 * entry keeps its flag bits, with the frame (the page or the next-level
 * table) cleared; a non-present one is a swap or migration entry whose
 * other bits locate the page: cleared whole.
 */
static void kmr_walk_hide_pfns(struct kmr_pgwalk_raw *raw)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(raw->entry); i++) {
		u64 e = raw->entry[i];

		if (e & (_PAGE_PRESENT | _PAGE_PROTNONE))
			raw->entry[i] = e & ~(u64)PTE_PFN_MASK;
		else
			raw->entry[i] = 0;
	}
	raw->pfn = 0;
	raw->phys = 0;
}

long kmr_fetch_ioctl_walk(struct kmr_session *s, void __user *arg)
{
	struct kmr_pgwalk_raw raw = {};
	struct mm_struct *mm;
	struct kmr_walk w;
	int err;

	if (copy_from_user(&w, arg, sizeof(w)))
		return -EFAULT;
	if (w.flags || w.reserved[0] || w.reserved[1])
		return -EINVAL;
	mm = kmr_mem_get_mm(s, w.pid);
	if (IS_ERR(mm))
		return PTR_ERR(mm);
	if (w.vaddr >= mm->task_size) {
		mmput(mm);
		return -EFAULT;
	}
	/* The tables under a VMA found under mmap_lock stay (pgwalk.h). */
	err = mmap_read_lock_killable(mm);
	if (!err) {
		kmr_pgwalk_raw(mm, w.vaddr, &raw);
		mmap_read_unlock(mm);
	}
	mmput(mm);
	if (err)
		return err;

	if (!s->show_pfn)
		kmr_walk_hide_pfns(&raw);
	memcpy(w.entry, raw.entry, sizeof(w.entry));
	w.levels = raw.levels;
	w.stop_level = raw.stop_level;
	w.leaf = raw.leaf;
	w.pte_flags = raw.pte_flags;
	w.pfn = raw.pfn;
	w.phys = raw.phys;
	w.page_size = raw.page_size;
	if (copy_to_user(arg, &w, sizeof(w)))
		return -EFAULT;
	return 0;
}

struct kmr_page_get {
	unsigned long vaddr;
	u64 pfn;
	struct page *page;	/* out, referenced; NULL for the zero page */
};

/* pgwalk callback (PTL held): reference the page if it is @pfn. */
static int kmr_page_get_fn(struct kmr_pgwalk_chunk *c, void *priv)
{
	struct kmr_page_get *g = priv;
	unsigned long pfn;
	bool special;

	switch (c->shift) {
	case PAGE_SHIFT: {
		pte_t pte = ptep_get(c->ptep);

		if (!pte_present(pte))
			return -EFAULT;
		pfn = pte_pfn(pte);
		special = pte_special(pte);
		break;
	}
	case PMD_SHIFT:
		if (!pmd_present(c->pmd))
			return -EFAULT;
		pfn = pmd_pfn(c->pmd) + ((g->vaddr & ~PMD_MASK) >> PAGE_SHIFT);
		special = kmr_pmd_special(c->pmd);
		break;
	case PUD_SHIFT:
		if (!pud_present(c->pud))
			return -EFAULT;
		pfn = pud_pfn(c->pud) + ((g->vaddr & ~PUD_MASK) >> PAGE_SHIFT);
		special = kmr_pud_special(c->pud);
		break;
	default:
		WARN_ON_ONCE(1);
		return -EFAULT;
	}
	if (pfn != g->pfn)
		return -ESTALE;
	if (is_zero_pfn(pfn))
		return 0;
	if (special || !pfn_valid(pfn))
		return -EFAULT;
	g->page = pfn_to_page(pfn);
	get_page(g->page);
	return 0;
}

/*
 * Errors: -EINVAL (reserved bits, len 0 or above a page, vaddr not page
 * aligned or outside the traced range), -ESRCH (no target), -EFAULT (not
 * present, no struct page, device or secret memory, bad buffer), -ESTALE
 * (present but mapped to another pfn now).
 */
long kmr_fetch_ioctl_page(struct kmr_session *s, void __user *arg)
{
	struct kmr_page_get g = {};
	unsigned long start, end;
	struct vm_area_struct *vma;
	void __user *ubuf;
	struct mm_struct *mm;
	struct kmr_page p;
	void *kaddr;
	int err;

	/* It selects a page by physical frame: CAP_SYS_ADMIN only (abi.h). */
	if (!s->show_pfn)
		return -EPERM;
	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.reserved[0] || p.reserved[1] || !p.len || p.len > PAGE_SIZE ||
	    offset_in_page(p.vaddr))
		return -EINVAL;
	ubuf = u64_to_user_ptr(p.buf);
	if (!access_ok(ubuf, p.len))
		return -EFAULT;
	mm = kmr_session_get_mm(s);
	if (!mm)
		return -ESRCH;
	kmr_session_range(s, &start, &end);
	if (p.vaddr < start || p.vaddr >= end || p.vaddr >= mm->task_size) {
		err = -EINVAL;
		goto put_mm;
	}
	g.vaddr = p.vaddr;
	g.pfn = p.pfn;

	err = mmap_read_lock_killable(mm);
	if (err)
		goto put_mm;
	vma = vma_lookup(mm, p.vaddr);
	if (!vma || !kmr_mem_vma_ok(vma)) {
		err = -EFAULT;
	} else {
		err = kmr_pgwalk_one(mm, p.vaddr, kmr_page_get_fn, &g);
		if (err == -ENOENT)
			err = -EFAULT;
	}
	mmap_read_unlock(mm);
	if (err)
		goto put_mm;

	if (!g.page) {
		if (clear_user(ubuf, p.len))
			err = -EFAULT;
	} else {
		kaddr = kmap_local_page(g.page);
		if (copy_to_user(ubuf, kaddr, p.len))
			err = -EFAULT;
		kunmap_local(kaddr);
		put_page(g.page);
	}
put_mm:
	mmput(mm);
	return err;
}
