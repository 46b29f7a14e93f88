// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table walks that are safe without mmap_lock.
 *
 * Callers include mmu_notifier invalidate_range_end() run by reclaim,
 * migration, ksmd and khugepaged, which hold rmap locks but not the target's
 * mmap_lock, and 6.12 faults that hold only a per-VMA lock.  So, as GUP-fast
 * does, each step reads pgd..pmd locklessly with IRQs off: x86 frees page
 * tables only after an IPI or an RCU grace period (MMU_GATHER_RCU_TABLE_FREE,
 * tlb_remove_table_sync_one()), and both wait for IRQs-off sections.
 *
 * The table is then read under its lock so that what we emit is ordered with
 * every change to it.  The lock is only *tried* with IRQs off: spinning on a
 * PTL with IRQs off can deadlock against its holder waiting for a TLB
 * shootdown IPI this CPU would never answer.  On failure IRQs are re-enabled
 * and the step is retried.  After the lock is taken the pmd is read again:
 * if it changed (collapse, split, free), the table we locked may be stale,
 * so we retry.  6.12's pte_offset_map_lock() does the same re-check, but
 * modules cannot call it (__pte_offset_map_lock is not exported), and 6.1's
 * has no re-check; this one path serves both.
 */
#include <linux/delay.h>
#include <linux/mm.h>
#include <linux/moduleparam.h>
#include <linux/pgtable.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/sched.h>
#include <kmemrec/abi.h>
#include "kmemrec.h"
#include "pgwalk.h"
#include "compat/pgtable.h"

/* Internal: the lock was busy or the entry changed; retry with IRQs on. */
#define KMR_PGW_RETRY		1
/*
 * A PTL busy this long means a caller holds it: a bug, give up.  Generous:
 * under an emulator a preempted vCPU can hold a PTL for a long while.
 */
#define KMR_PGW_MAX_BUSY_NS	(5 * NSEC_PER_SEC)

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

struct kmr_pgw {
	struct mm_struct *mm;
	unsigned long addr, end, next;
	kmr_pgwalk_fn fn;
	void *priv;
	struct kmr_pgwalk_chunk c;
};

static int kmr_pgw_call(struct kmr_pgw *w, spinlock_t *ptl)
{
	int ret = w->fn(&w->c, w->priv);

	spin_unlock(ptl);
	return ret;
}

static int kmr_pgw_pud_leaf(struct kmr_pgw *w, pud_t *pudp, pud_t pud)
{
	spinlock_t *ptl = pud_lockptr(w->mm, pudp);

	if (!spin_trylock(ptl))
		return KMR_PGW_RETRY;
	if (pud_val(READ_ONCE(*pudp)) != pud_val(pud)) {
		spin_unlock(ptl);
		return KMR_PGW_RETRY;
	}
	w->c = (struct kmr_pgwalk_chunk){
		.addr = w->addr & PUD_MASK, .nr = 1, .shift = PUD_SHIFT,
		.pud = pud,
	};
	return kmr_pgw_call(w, ptl);
}

static int kmr_pgw_pmd(struct kmr_pgw *w, pmd_t *pmdp)
{
	pmd_t pmd = kmr_pmdp_get_lockless(pmdp);
	spinlock_t *ptl;	/* the pmd lock or the PTE table's PTL */

	w->next = pmd_addr_end(w->addr, w->end);
	if (pmd_none(pmd))
		return 0;
	kmr_pgw_test_delay();

	if (!pmd_present(pmd) || pmd_leaf(pmd)) {
		/* THP, hugetlb, DAX leaf, or a PMD migration entry. */
		ptl = pmd_lockptr(w->mm, pmdp);
		if (!spin_trylock(ptl))
			return KMR_PGW_RETRY;
		if (pmd_val(kmr_pmdp_get_lockless(pmdp)) != pmd_val(pmd)) {
			spin_unlock(ptl);
			return KMR_PGW_RETRY;
		}
		w->c = (struct kmr_pgwalk_chunk){
			.addr = w->addr & PMD_MASK, .nr = 1,
			.shift = PMD_SHIFT, .pmd = pmd,
		};
		return kmr_pgw_call(w, ptl);
	}
	if (pmd_bad(pmd))
		return 0;

	/* Both computed from our copy of the pmd, never from *pmdp. */
	ptl = pte_lockptr(w->mm, &pmd);
	if (!spin_trylock(ptl))
		return KMR_PGW_RETRY;
	if (pmd_val(kmr_pmdp_get_lockless(pmdp)) != pmd_val(pmd)) {
		spin_unlock(ptl);
		return KMR_PGW_RETRY;
	}
	w->c = (struct kmr_pgwalk_chunk){
		.addr = w->addr,
		.nr = (w->next - w->addr) >> PAGE_SHIFT,
		.shift = PAGE_SHIFT,
		.ptep = pte_offset_kernel(&pmd, w->addr),
	};
	return kmr_pgw_call(w, ptl);
}

/* One page table or one skipped hole, IRQs off.  Sets w->next. */
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

int kmr_pgwalk_range_flags(struct mm_struct *mm, unsigned long start,
			   unsigned long end, kmr_pgwalk_fn fn, void *priv,
			   unsigned long *next, unsigned int wflags)
{
	struct kmr_pgw w = { .mm = mm, .fn = fn, .priv = priv };
	u64 busy_since = 0;
	unsigned long flags;
	int ret = 0;

	w.addr = start;
	w.end = min_t(unsigned long, end, TASK_SIZE_MAX);
	while (w.addr < w.end) {
		local_irq_save(flags);
		ret = kmr_pgw_step(&w);
		local_irq_restore(flags);
		if (ret == KMR_PGW_RETRY) {
			u64 now = ktime_get_mono_fast_ns();

			if (!busy_since) {
				busy_since = now;
			} else if (WARN_ON_ONCE(now - busy_since >
						KMR_PGW_MAX_BUSY_NS)) {
				ret = -EDEADLK;
				break;
			}
			cpu_relax();
			continue;
		}
		busy_since = 0;
		if (ret) {
			if (ret == -EAGAIN)
				w.addr = w.c.resume;
			break;
		}
		w.addr = w.next;
		if (wflags & KMR_PGW_MAY_SLEEP)
			cond_resched();
	}
	if (next)
		*next = w.addr;
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

void kmr_pgwalk_raw(struct mm_struct *mm, unsigned long addr,
		    struct kmr_pgwalk_raw *w)
{
	unsigned long flags;
	pgd_t *pgdp, pgd;
	p4d_t *p4dp, p4d;
	pud_t *pudp, pud;
	pmd_t *pmdp, pmd;
	pte_t pte;

	memset(w, 0, sizeof(*w));
	w->levels = pgtable_l5_enabled() ? 5 : 4;
	w->stop_level = KMR_LVL_PGD;
	if (addr >= TASK_SIZE_MAX)
		return;

	local_irq_save(flags);
	pgdp = pgd_offset(mm, addr);
	pgd = READ_ONCE(*pgdp);
	w->entry[0] = pgd_val(pgd);
	if (pgd_none(pgd) || !pgd_present(pgd))
		goto out;
	w->stop_level = KMR_LVL_P4D;
	p4dp = p4d_offset_lockless(pgdp, pgd, addr);
	p4d = READ_ONCE(*p4dp);
	w->entry[1] = p4d_val(p4d);
	if (p4d_none(p4d) || !p4d_present(p4d))
		goto out;
	w->stop_level = KMR_LVL_PUD;
	pudp = pud_offset_lockless(p4dp, p4d, addr);
	pud = READ_ONCE(*pudp);
	w->entry[2] = pud_val(pud);
	if (pud_none(pud))
		goto out;
	if (!pud_present(pud) || pud_leaf(pud)) {
		kmr_pgw_raw_leaf(w, addr, kmr_pud_entry(pud), PUD_SHIFT);
		goto out;
	}
	w->stop_level = KMR_LVL_PMD;
	pmdp = pmd_offset(&pud, addr);
	pmd = kmr_pmdp_get_lockless(pmdp);
	w->entry[3] = pmd_val(pmd);
	if (pmd_none(pmd))
		goto out;
	if (!pmd_present(pmd) || pmd_leaf(pmd)) {
		kmr_pgw_raw_leaf(w, addr, kmr_pmd_entry(pmd), PMD_SHIFT);
		goto out;
	}
	if (pmd_bad(pmd))
		goto out;
	kmr_pgw_test_delay();
	w->stop_level = KMR_LVL_PTE;
	pte = ptep_get(pte_offset_kernel(&pmd, addr));
	w->entry[4] = pte_val(pte);
	kmr_pgw_raw_leaf(w, addr, kmr_pte_entry(pte), PAGE_SHIFT);
out:
	local_irq_restore(flags);
}
