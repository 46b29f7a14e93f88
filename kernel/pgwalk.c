// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table walks of another process, only where its page tables cannot
 * be freed under us.
 *
 * Freeing a page table takes a lock the walker's caller holds (pgwalk.h
 * says which lock each caller holds):
 *  - free_pgtables() runs after munmap, mremap or exit have taken the VMA
 *    out of the VMA tree (mmap write lock) and out of the rmap (anon_vma
 *    and i_mmap locks), and frees only tables that no remaining VMA uses;
 *  - khugepaged's anon collapse holds the mmap write lock;
 *  - 6.1 retracts the page table of a file THP only under the mmap write
 *    lock plus the VMA's rmap locks.
 * So the tables under a VMA stay while the caller holds the mmap lock and
 * found that VMA under it, the VMA's per-VMA lock (6.12 faults), or the
 * VMA's rmap lock (reclaim, migration).  Holding only the mmap read lock,
 * tables between VMAs may be freed meanwhile (a munmap that downgraded its
 * lock): walks never leave the VMAs their caller found.
 *
 * One way to lose a PTE table needs no lock we can hold: on 6.12 khugepaged
 * and MADV_COLLAPSE retract the PTE table of a file THP under the i_mmap lock
 * or only the mmap read lock (retract_page_tables(),
 * collapse_pte_mapped_thp()) and free it after an RCU grace period
 * (pte_free_defer()).  So, as pte_offset_map_lock() does (modules cannot
 * call it: __pte_offset_map_lock is not exported), the pmd is read and its
 * table used inside rcu_read_lock(), and once the table's lock is held the
 * pmd is read again: a table that is being retracted is no longer in the
 * pmd, and the step starts over.  6.1 frees no PTE table that way; the
 * re-check costs it one read.
 *
 * Locks are taken as mm/ takes them, with spin_lock() and IRQs enabled (a
 * lock holder may wait for a TLB-flush IPI to this CPU).  The walk waits
 * for a lock only as long as the kernel itself holds it; nothing here
 * times out.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/spinlock.h>
#include <kmemrec/abi.h>
#include "kmemrec.h"
#include "pgwalk.h"
#include "compat/pgtable.h"

/*
 * Test hook (tests/guest/cases/kwalk_race.sh): stall this long between
 * reading a pmd and using the page table it points to, so that a guest
 * test can make a munmap fall into that window every time.  0 in use.
 */
static unsigned int test_walk_delay_ms;
module_param(test_walk_delay_ms, uint, 0600);
MODULE_PARM_DESC(test_walk_delay_ms,
		 "test only: stall page-table walks for this many ms (0)");

static void kmr_pgw_test_delay(void)
{
	unsigned int ms = READ_ONCE(test_walk_delay_ms);

	if (unlikely(ms))
		mdelay(min(ms, 1000u));
}

/* The pmd changed before we held its table's lock: read it again. */
#define KMR_PGW_AGAIN		1

struct kmr_pgw {
	struct mm_struct *mm;
	unsigned long addr, end, next;
	kmr_pgwalk_fn fn;
	void *priv;
	struct kmr_pgwalk_chunk c;
};

static int kmr_pgw_pud_leaf(struct kmr_pgw *w, pud_t *pudp, pud_t pud)
{
	spinlock_t *ptl = pud_lock(w->mm, pudp);
	int ret;

	if (pud_val(READ_ONCE(*pudp)) != pud_val(pud)) {
		spin_unlock(ptl);
		return KMR_PGW_AGAIN;
	}
	w->c = (struct kmr_pgwalk_chunk){
		.addr = w->addr & PUD_MASK, .nr = 1, .shift = PUD_SHIFT,
		.pud = pud,
	};
	ret = w->fn(&w->c, w->priv);
	spin_unlock(ptl);
	return ret;
}

static int kmr_pgw_pmd(struct kmr_pgw *w, pmd_t *pmdp)
{
	pmd_t pmd = kmr_pmdp_get_lockless(pmdp);
	spinlock_t *ptl;	/* the pmd lock or the PTE table's PTL */
	int ret;

	w->next = pmd_addr_end(w->addr, w->end);
	if (pmd_none(pmd))
		return 0;
	kmr_pgw_test_delay();

	if (!pmd_present(pmd) || pmd_leaf(pmd)) {
		/* THP, hugetlb, DAX leaf, or a PMD migration entry. */
		ptl = pmd_lock(w->mm, pmdp);
		if (pmd_val(kmr_pmdp_get_lockless(pmdp)) != pmd_val(pmd)) {
			spin_unlock(ptl);
			return KMR_PGW_AGAIN;
		}
		w->c = (struct kmr_pgwalk_chunk){
			.addr = w->addr & PMD_MASK, .nr = 1,
			.shift = PMD_SHIFT, .pmd = pmd,
		};
		ret = w->fn(&w->c, w->priv);
		spin_unlock(ptl);
		return ret;
	}
	if (pmd_bad(pmd))
		return 0;

	/*
	 * Both computed from our copy of the pmd, never from *pmdp; RCU keeps
	 * that table (and its lock) valid even if it was just retracted.
	 */
	ptl = pte_lockptr(w->mm, &pmd);
	spin_lock(ptl);
	if (pmd_val(kmr_pmdp_get_lockless(pmdp)) != pmd_val(pmd)) {
		spin_unlock(ptl);
		return KMR_PGW_AGAIN;
	}
	w->c = (struct kmr_pgwalk_chunk){
		.addr = w->addr,
		.nr = (w->next - w->addr) >> PAGE_SHIFT,
		.shift = PAGE_SHIFT,
		.ptep = pte_offset_kernel(&pmd, w->addr),
	};
	ret = w->fn(&w->c, w->priv);
	spin_unlock(ptl);
	return ret;
}

/* One page table or one skipped hole, under RCU.  Sets w->next. */
static int kmr_pgw_step(struct kmr_pgw *w)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;

	pgdp = pgd_offset(w->mm, w->addr);
	pgd = READ_ONCE(*pgdp);
	if (pgd_none(pgd) || pgd_bad(pgd)) {
		w->next = pgd_addr_end(w->addr, w->end);
		return 0;
	}
	p4dp = p4d_offset_lockless(pgdp, pgd, w->addr);
	p4d = READ_ONCE(*p4dp);
	if (p4d_none(p4d) || p4d_bad(p4d)) {
		w->next = p4d_addr_end(w->addr, w->end);
		return 0;
	}
	pudp = pud_offset_lockless(p4dp, p4d, w->addr);
	pud = READ_ONCE(*pudp);
	w->next = pud_addr_end(w->addr, w->end);
	if (pud_none(pud))
		return 0;
	if (!pud_present(pud) || pud_leaf(pud))
		return kmr_pgw_pud_leaf(w, pudp, pud);
	if (pud_bad(pud))
		return 0;
	return kmr_pgw_pmd(w, pmd_offset(&pud, w->addr));
}

static int kmr_pgw_range(struct mm_struct *mm, unsigned long start,
			 unsigned long end, kmr_pgwalk_fn fn, void *priv,
			 unsigned long *next, unsigned int wflags)
{
	struct kmr_pgw w = { .mm = mm, .fn = fn, .priv = priv };
	int ret = 0;

	w.addr = start;
	w.end = min_t(unsigned long, end, TASK_SIZE_MAX);
	while (w.addr < w.end) {
		rcu_read_lock();
		ret = kmr_pgw_step(&w);
		rcu_read_unlock();
		if (ret == KMR_PGW_AGAIN) {
			ret = 0;
			cpu_relax();
			continue;
		}
		if (ret) {
			if (ret == -EAGAIN)
				w.addr = w.c.resume;
			break;
		}
		w.addr = w.next;
		if (wflags & KMR_PGW_MAY_SLEEP)
			cond_resched();
	}
	*next = w.addr;
	return ret;
}

/* The parts of [start, end) that VMAs cover; mmap_lock held. */
static int kmr_pgw_vmas(struct mm_struct *mm, unsigned long start,
			unsigned long end, kmr_pgwalk_fn fn, void *priv,
			unsigned long *next, unsigned int wflags)
{
	VMA_ITERATOR(vmi, mm, start);
	struct vm_area_struct *vma;
	unsigned long addr = start;
	int ret = 0;

	mmap_assert_locked(mm);
	for_each_vma_range(vmi, vma, end) {
		addr = max(addr, vma->vm_start);
		ret = kmr_pgw_range(mm, addr, min(end, vma->vm_end), fn, priv,
				    &addr, wflags);
		if (ret)
			break;
	}
	*next = ret ? addr : end;
	return ret;
}

int kmr_pgwalk_range_flags(struct mm_struct *mm, unsigned long start,
			   unsigned long end, kmr_pgwalk_fn fn, void *priv,
			   unsigned long *next, unsigned int wflags)
{
	unsigned long stop;
	int ret;

	lockdep_assert_irqs_enabled();
	if (wflags & KMR_PGW_IN_VMAS)
		ret = kmr_pgw_vmas(mm, start, end, fn, priv, &stop, wflags);
	else
		ret = kmr_pgw_range(mm, start, end, fn, priv, &stop, wflags);
	if (next)
		*next = stop;
	return ret;
}

int kmr_pgwalk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, kmr_pgwalk_fn fn, void *priv,
		     unsigned long *next)
{
	return kmr_pgwalk_range_flags(mm, start, end, fn, priv, next, 0);
}

struct kmr_pgw_one {
	kmr_pgwalk_fn fn;
	void *priv;
	bool seen;
};

static int kmr_pgw_one_fn(struct kmr_pgwalk_chunk *c, void *priv)
{
	struct kmr_pgw_one *o = priv;

	o->seen = true;
	return o->fn(c, o->priv);
}

int kmr_pgwalk_one(struct mm_struct *mm, unsigned long addr,
		   kmr_pgwalk_fn fn, void *priv)
{
	struct kmr_pgw_one o = { .fn = fn, .priv = priv };
	unsigned long start = addr & PAGE_MASK;
	int ret;

	if (start >= TASK_SIZE_MAX)
		return -ENOENT;
	ret = kmr_pgwalk_range(mm, start, start + PAGE_SIZE, kmr_pgw_one_fn,
			       &o, NULL);
	if (!ret && !o.seen)
		return -ENOENT;
	return ret;
}

/* ------------------------------------------------------------------------ */
/* KMR_IOC_WALK: every level's entry                                        */
/* ------------------------------------------------------------------------ */

static void kmr_pgw_raw_leaf(struct kmr_pgwalk_raw *w, unsigned long addr,
			     u64 entry, unsigned int shift)
{
	w->pte_flags = KMR_PTE_FLAGS(entry);
	if (!(w->pte_flags & KMR_PTE_PRESENT))
		return;
	w->leaf = 1;
	w->page_size = 1ULL << shift;
	w->pfn = KMR_PTE_PFN(entry) +
		 ((addr & ((1UL << shift) - 1)) >> PAGE_SHIFT);
	w->phys = (w->pfn << PAGE_SHIFT) | (addr & ~PAGE_MASK);
}

/*
 * Each entry is read once (READ_ONCE), so each is a value the entry held;
 * the caller's mmap_lock and VMA keep the tables, RCU a PTE table being
 * retracted (see the top of this file).
 */
static void kmr_pgw_raw_locked(struct mm_struct *mm, unsigned long addr,
			       struct kmr_pgwalk_raw *w)
{
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	w->stop_level = KMR_LVL_PGD;
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	w->entry[0] = pgd_val(pgd);
	if (pgd_none(pgd) || !pgd_present(pgd))
		return;
	w->stop_level = KMR_LVL_P4D;
	p4dp = p4d_offset_lockless(pgdp, pgd, addr);
	p4d = READ_ONCE(*p4dp);
	w->entry[1] = p4d_val(p4d);
	if (p4d_none(p4d) || !p4d_present(p4d))
		return;
	w->stop_level = KMR_LVL_PUD;
	pudp = pud_offset_lockless(p4dp, p4d, addr);
	pud = READ_ONCE(*pudp);
	w->entry[2] = pud_val(pud);
	if (pud_none(pud))
		return;
	if (!pud_present(pud) || pud_leaf(pud)) {
		kmr_pgw_raw_leaf(w, addr, kmr_pud_entry(pud), PUD_SHIFT);
		return;
	}
	w->stop_level = KMR_LVL_PMD;
	pmdp = pmd_offset(&pud, addr);
	pmd = kmr_pmdp_get_lockless(pmdp);
	w->entry[3] = pmd_val(pmd);
	if (pmd_none(pmd))
		return;
	if (!pmd_present(pmd) || pmd_leaf(pmd)) {
		kmr_pgw_raw_leaf(w, addr, kmr_pmd_entry(pmd), PMD_SHIFT);
		return;
	}
	if (pmd_bad(pmd))
		return;
	kmr_pgw_test_delay();
	w->stop_level = KMR_LVL_PTE;
	pte = ptep_get(pte_offset_kernel(&pmd, addr));
	w->entry[4] = pte_val(pte);
	kmr_pgw_raw_leaf(w, addr, kmr_pte_entry(pte), PAGE_SHIFT);
}

void kmr_pgwalk_raw(struct mm_struct *mm, unsigned long addr,
		    struct kmr_pgwalk_raw *w)
{
	mmap_assert_locked(mm);
	memset(w, 0, sizeof(*w));
	w->levels = pgtable_l5_enabled() ? 5 : 4;
	w->stop_level = KMR_LVL_NONE;
	if (addr >= TASK_SIZE_MAX || !vma_lookup(mm, addr))
		return;
	rcu_read_lock();
	kmr_pgw_raw_locked(mm, addr, w);
	rcu_read_unlock();
}
