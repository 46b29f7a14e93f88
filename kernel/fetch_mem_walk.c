// SPDX-License-Identifier: GPL-2.0
/*
 * kmemfetch walk mode (KMR_MEM_WALK): one page of another process, found by
 * walking its page tables by hand, without get_user_pages.
 *
 * The entry is examined in pgwalk's callback, with the page table's lock
 * held.  A read takes a reference on the page there and copies to the
 * caller after the lock is dropped (a page that changes meanwhile still
 * yields bytes that were in the target at the time of the walk).  A
 * write stores the bytes while the lock is held, so the write bit it checked
 * is the one in force: a fork() that write-protects the entry, or a CoW that
 * replaces the page, waits for the lock and sees the new bytes.  The page is
 * then marked dirty with set_page_dirty_lock() (it sleeps, so after the
 * lock), which keeps reclaim from dropping the write of an anonymous page
 * whose PTE the CPU never dirtied.
 *
 * mmap_lock is held for read around the walk, which stays inside the VMA
 * found under it (pgwalk.h), and that VMA is checked: no device memory
 * (VM_IO/VM_PFNMAP) and no memfd_secret pages, which are not in the
 * kernel's direct map; and the VMA must allow the access (VM_READ,
 * VM_WRITE): the page tables alone cannot tell an execute-only pkey
 * mapping.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include "compat/pgtable.h"
#include "fetch.h"
#include "pgwalk.h"

struct kmr_walk_access {
	unsigned long addr;
	size_t len;		/* within the 4 KiB page of addr */
	const void *kbuf;	/* write: the bytes to store */
	bool write;
	/* out */
	struct page *page;	/* referenced; NULL for the zero page */
	bool zero;		/* read of the shared zero page */
};

/*
 * The struct page of the 4 KiB page holding @a->addr in this entry, or an
 * errno: not present (hardware present bit clear, NUMA-hinting protnone
 * included), no struct page (special, pfn map), or not writable for a write.
 */
static int kmr_walk_entry_page(struct kmr_pgwalk_chunk *c,
			       struct kmr_walk_access *a, struct page **pagep)
{
	unsigned long pfn;
	bool writable;

	switch (c->shift) {
	case PAGE_SHIFT: {
		pte_t pte = ptep_get(c->ptep);

		if (!pte_present(pte) || pte_protnone(pte))
			return -EFAULT;
		pfn = pte_pfn(pte);
		if (is_zero_pfn(pfn)) {
			/* read-only by construction: a write fails below */
			if (a->write)
				return -EFAULT;
			a->zero = true;
			return 0;
		}
		if (pte_special(pte))
			return -EFAULT;
		writable = pte_write(pte);
		break;
	}
	case PMD_SHIFT:
		if (!pmd_present(c->pmd) || pmd_protnone(c->pmd) ||
		    kmr_pmd_special(c->pmd))
			return -EFAULT;
		pfn = pmd_pfn(c->pmd) + ((a->addr & ~PMD_MASK) >> PAGE_SHIFT);
		writable = pmd_write(c->pmd);
		break;
	case PUD_SHIFT:
		if (!pud_present(c->pud) || kmr_pud_special(c->pud))
			return -EFAULT;
		pfn = pud_pfn(c->pud) + ((a->addr & ~PUD_MASK) >> PAGE_SHIFT);
		writable = pud_write(c->pud);
		break;
	default:
		WARN_ON_ONCE(1);
		return -EFAULT;
	}
	if (a->write && !writable)
		return -EFAULT;
	if (!pfn_valid(pfn))
		return -EFAULT;
	*pagep = pfn_to_page(pfn);
	return 0;
}

/* pgwalk callback: PTL held; nothing here may sleep or fault. */
static int kmr_walk_access_fn(struct kmr_pgwalk_chunk *c, void *priv)
{
	struct kmr_walk_access *a = priv;
	struct page *page = NULL;
	void *kaddr;
	int err;

	err = kmr_walk_entry_page(c, a, &page);
	if (err || a->zero)
		return err;
	if (a->write) {
		kaddr = kmap_local_page(page);
		memcpy(kaddr + offset_in_page(a->addr), a->kbuf, a->len);
		kunmap_local(kaddr);
		flush_dcache_page(page);
	}
	/* mapped by an entry we hold the lock of: its count is not zero */
	get_page(page);
	a->page = page;
	return 0;
}

int kmr_mem_walk_access(struct mm_struct *mm, unsigned long addr,
			void __user *ubuf, size_t len, bool write,
			size_t *done)
{
	struct kmr_walk_access a = { .addr = addr, .write = write };
	struct vm_area_struct *vma;
	void *kbuf = NULL;
	void *kaddr;
	int err;

	*done = 0;
	a.len = min_t(size_t, len, PAGE_SIZE - offset_in_page(addr));
	if (!a.len)
		return 0;
	if (write) {
		kbuf = memdup_user(ubuf, a.len);
		if (IS_ERR(kbuf))
			return PTR_ERR(kbuf);
		a.kbuf = kbuf;
	}

	err = mmap_read_lock_killable(mm);
	if (err)
		goto free_kbuf;
	vma = vma_lookup(mm, addr);
	if (!vma || !kmr_mem_vma_ok(vma) ||
	    !(vma->vm_flags & (write ? VM_WRITE : VM_READ))) {
		err = -EFAULT;
	} else {
		err = kmr_pgwalk_one(mm, addr, kmr_walk_access_fn, &a);
		if (err == -ENOENT)	/* no page table or leaf */
			err = -EFAULT;
	}
	mmap_read_unlock(mm);
	if (err)
		goto free_kbuf;

	if (write) {
		set_page_dirty_lock(a.page);
	} else if (a.zero) {
		if (clear_user(ubuf, a.len))
			err = -EFAULT;
	} else {
		kaddr = kmap_local_page(a.page);
		if (copy_to_user(ubuf, kaddr + offset_in_page(addr), a.len))
			err = -EFAULT;
		kunmap_local(kaddr);
	}
	if (a.page)
		put_page(a.page);
	if (!err)
		*done = a.len;
free_kbuf:
	kfree(kbuf);
	return err;
}
