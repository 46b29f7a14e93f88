/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Inline parts of pgentry.c's encoding, for the fault path (issue 10).
 */
#ifndef KMR_PGENTRY_H
#define KMR_PGENTRY_H

#include <linux/pgtable.h>
#include "kmemrec.h"

/* What a present PTE's own bits say. */
static __always_inline u32 kmr_pte_bits(pte_t pte)
{
	u32 f = KMR_PTE_PRESENT;

	if (pte_write(pte))
		f |= KMR_PTE_WRITE;
	if (pte_dirty(pte))
		f |= KMR_PTE_DIRTY;
	if (pte_young(pte))
		f |= KMR_PTE_YOUNG;
	if (pte_exec(pte))
		f |= KMR_PTE_EXEC;
	if (pte_soft_dirty(pte))
		f |= KMR_PTE_SOFTDIRTY;
	return f;
}

/*
 * The PTE @pte of @pfn, a new anonymous page, as the rmap hooks build it
 * before the kernel sets it: what kmr_pte_entry() gives once the PTE and
 * the rmap are in place, ANON and EXCLUSIVE included, without its tests
 * of the pfn (a page just allocated for an anonymous rmap is a normal
 * page with a struct page: not the zero page, not special).  Every
 * anonymous fault runs this.
 */
static __always_inline u64 kmr_pte_entry_new_anon(pte_t pte, unsigned long pfn)
{
	return KMR_PTE_MAKE(pfn, kmr_pte_bits(pte) | KMR_PTE_ANON |
				 KMR_PTE_EXCLUSIVE);
}

#endif /* KMR_PGENTRY_H */
