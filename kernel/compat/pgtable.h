/* SPDX-License-Identifier: GPL-2.0 */
/* Page-table entry helpers that differ between the 6.1 and 6.12 kernels. */
#ifndef _KMR_COMPAT_PGTABLE_H
#define _KMR_COMPAT_PGTABLE_H

#include <linux/mm.h>
#include <linux/pgtable.h>

/*
 * A pmd read that cannot tear.  6.1 has no pmdp_get_lockless() on x86-64,
 * where a pmd is one 64-bit word (GUP-fast reads it with READ_ONCE()).
 */
static inline pmd_t kmr_pmdp_get_lockless(pmd_t *pmdp)
{
#if KMR_KV >= 605
	return pmdp_get_lockless(pmdp);
#else
	return READ_ONCE(*pmdp);
#endif
}

/* PFN-map PMD/PUD leaves (no struct page semantics) appeared in 6.11. */
static inline bool kmr_pmd_special(pmd_t pmd)
{
#if KMR_KV >= 611
	return pmd_special(pmd);
#else
	return false;
#endif
}

static inline bool kmr_pud_special(pud_t pud)
{
#if KMR_KV >= 611
	return pud_special(pud);
#else
	return false;
#endif
}

#endif /* _KMR_COMPAT_PGTABLE_H */
