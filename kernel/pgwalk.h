/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Page-table walking for kmemrec: range walks visiting each page table under
 * its lock (snapshot, resync, fault return), and the raw walk of
 * KMR_IOC_WALK.  Safe without mmap_lock: see pgwalk.c for the rules.
 */
#ifndef _KMR_PGWALK_H
#define _KMR_PGWALK_H

#include <linux/mm_types.h>
#include <linux/pgtable.h>

/*
 * One piece of one page table inside the walked range, handed to the
 * callback with IRQs off and that table's lock held (the PTL for a PTE
 * table, the pmd lock for a PMD entry, the pud lock for a PUD leaf).
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
 * where the walk stopped (end when it finished).  Not NMI.
 */
int kmr_pgwalk_range(struct mm_struct *mm, unsigned long start,
		     unsigned long end, kmr_pgwalk_fn fn, void *priv,
		     unsigned long *next);

/* The same; KMR_PGW_MAY_SLEEP: cond_resched() between page tables. */
#define KMR_PGW_MAY_SLEEP	BIT(0)
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
 * Read every level's entry for @addr locklessly with IRQs off (a consistent
 * snapshot of each entry, as GUP-fast reads them).  Any context but NMI.
 */
void kmr_pgwalk_raw(struct mm_struct *mm, unsigned long addr,
		    struct kmr_pgwalk_raw *w);

#endif /* _KMR_PGWALK_H */
