/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table walking for kmemrec: range walks visiting each page table under
 * its lock (snapshot, resync, hooks), and the raw walk of KMR_IOC_WALK.
 *
 * The caller must hold a lock that keeps the walked page tables from being
 * freed (pgwalk.c explains why each one does):
 *
 *   caller                                lock held            range walked
 *   snapshot, resync, exec snapshot       mmap_lock (read)     inside the VMAs found
 *   (snapshot.c)                                               under it (KMR_PGW_IN_VMAS)
 *   VMA commit: mremap destination,       mmap_lock (write)    any
 *   khugepaged re-walk, full resend
 *   (probe_vma.c, at up_write/downgrade_write entry)
 *   fault return, handle_mm_fault         the fault's lock:    the faulting page and the
 *   without RETRY/COMPLETED               mmap_lock (read) or  PTEs the fault set, all in
 *   (probe_faults.c)                      the VMA's lock       the fault's VMA
 *   fault return with the lock dropped    mmap_read_trylock()  inside the VMA found under it
 *   (kmr_emit_pte_range_trylock())        taken here; on       (nothing is walked without
 *                                         failure: LOST+resync  the lock)
 *   mmu_notifier invalidate_range_end     the invalidator's:   the invalidated range
 *   (probe_mmu.c)                         mmap_lock, or the    (within one VMA under an
 *                                         VMA's rmap lock      rmap lock; under mmap_lock
 *                                         (reclaim, KSM,       the tables a munmap frees
 *                                         migration, THP       are freed by the caller
 *                                         split, retract)      after it returns)
 *   remove_migration_pte return           the rmap lock        the folio's range in that VMA
 *   (probe_migrate.c)                     (rmap_walk)
 *   KMR_IOC_WALK, KMR_IOC_PAGE,           mmap_lock (read)     one page of the VMA found
 *   kmemfetch walk mode                                        under it (vma_lookup)
 *   (fetch_walk.c, fetch_mem_walk.c)
 *
 * Walks run in any context but NMI and IRQs-off: page-table locks are
 * taken with spin_lock(), as mm/ takes them.
 */
#ifndef _KMR_PGWALK_H
#define _KMR_PGWALK_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>

/*
 * One piece of one page table inside the walked range, handed to the
 * callback with that table's lock held (the PTL for a PTE table, the pmd
 * lock for a PMD entry, the pud lock for a PUD leaf): preemption is off,
 * IRQs are on.
 */
struct kmr_pgwalk_chunk {
	unsigned long addr;	/* address of the first entry */
	unsigned int nr;	/* entries (PTE: up to the table or range end) */
	unsigned int shift;	/* PAGE_SHIFT, PMD_SHIFT or PUD_SHIFT */
	pte_t *ptep;		/* PAGE_SHIFT: first entry, read with ptep_get() */
	pmd_t pmd;		/* PMD_SHIFT: a leaf or non-present entry, nr 1 */
	pud_t pud;		/* PUD_SHIFT: a leaf, nr 1 */
	unsigned long resume;	/* out: where to resume after -EAGAIN */
};

/*
 * Return 0 to go on, a negative errno to stop the walk with it.  -EAGAIN
 * means "stopped for now at c->resume" (e.g. ring full): the walk returns it
 * and stores c->resume in *next.
 */
typedef int (*kmr_pgwalk_fn)(struct kmr_pgwalk_chunk *c, void *priv);

/*
 * Visit every page table (and huge leaf) of @mm that maps part of
 * [start, end).  Empty upper levels are skipped; a PTE table is handed over
 * whole (clipped to the range), so the callback sees none entries too.
 * Returns 0 or the callback's error; *next (may be NULL) gets the address
 * where the walk stopped (end when it finished).  The caller holds one of
 * the locks above for all of [start, end).
 */
int kmr_pgwalk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, kmr_pgwalk_fn fn, void *priv,
		     unsigned long *next);

/*
 * The same, with flags.  KMR_PGW_MAY_SLEEP: cond_resched() between page
 * tables.  KMR_PGW_IN_VMAS: only the parts of [start, end) that VMAs cover;
 * the caller holds @mm's mmap_lock (read is enough).
 */
#define KMR_PGW_MAY_SLEEP	BIT(0)
#define KMR_PGW_IN_VMAS		BIT(1)
int kmr_pgwalk_range_flags(struct mm_struct *mm, unsigned long start,
			   unsigned long end, kmr_pgwalk_fn fn, void *priv,
			   unsigned long *next, unsigned int wflags);

/*
 * The entry covering @addr only: fn sees one chunk with nr == 1 (the PTE, or
 * the PMD/PUD leaf).  -ENOENT when no page table or leaf covers @addr.
 */
int kmr_pgwalk_one(struct mm_struct *mm, unsigned long addr,
		   kmr_pgwalk_fn fn, void *priv);

/* The raw walk of KMR_IOC_WALK (fields as struct kmr_walk documents). */
struct kmr_pgwalk_raw {
	u64 entry[5];		/* pgd, p4d, pud, pmd, pte raw values */
	u32 levels;		/* 4 or 5 */
	u32 stop_level;		/* enum kmr_level */
	u32 leaf;		/* stop_level holds a present leaf */
	u32 pte_flags;		/* KMR_PTE_* of the leaf */
	u64 pfn;		/* of the 4 KiB page holding addr */
	u64 phys;		/* physical address of addr */
	u64 page_size;		/* bytes mapped by the leaf */
};

/*
 * Every level's entry for @addr, each read once.  The caller holds @mm's
 * mmap_lock; when no VMA covers @addr nothing is read (its page tables may
 * be being freed) and stop_level is KMR_LVL_NONE.
 */
void kmr_pgwalk_raw(struct mm_struct *mm, unsigned long addr,
		    struct kmr_pgwalk_raw *w);

#endif /* _KMR_PGWALK_H */
