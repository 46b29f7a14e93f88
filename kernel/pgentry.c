// SPDX-License-Identifier: GPL-2.0
/*
 * Page-table entries to KMR_PTE_MAKE(pfn, KMR_PTE_*) form.  No VMA is used:
 * the notifier and rmap paths have none.  On x86 every entry without a
 * normal struct page is marked special (pfn maps, the zero page), so the
 * page itself tells anon, KSM and exclusivity.
 */
#include <linux/mm.h>
#include <linux/pgtable.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include <linux/page-flags.h>
#include "kmemrec.h"
#include "ksyms.h"
#include "compat/pgtable.h"
#include "pgentry.h"

static u32 kmr_page_flags(struct page *page)
{
	u32 f = 0;

	if (!PageAnon(page))
		return 0;
	f |= KMR_PTE_ANON;
	if (PageKsm(page))
		f |= KMR_PTE_KSM;
	else if (PageAnonExclusive(page))
		f |= KMR_PTE_EXCLUSIVE;
	return f;
}

/* Not present: a swap, migration or other special swap-type entry. */
static u64 kmr_swp_entry(swp_entry_t e, u32 huge)
{
	if (is_pte_marker_entry(e))
		return 0;	/* uffd-wp / poison markers: nothing mapped */
	if (is_migration_entry(e))
		return KMR_PTE_MAKE(0, KMR_PTE_MIGRATION | huge);
	return KMR_PTE_MAKE(0, KMR_PTE_SWAP | huge);
}

u64 kmr_pte_entry(pte_t pte)
{
	unsigned long pfn;
	u32 f;

	if (pte_none(pte))
		return 0;
	if (!pte_present(pte))
		return kmr_swp_entry(pte_to_swp_entry(pte), 0);

	pfn = pte_pfn(pte);
	f = kmr_pte_bits(pte);
	if (is_zero_pfn(pfn))
		f |= KMR_PTE_ZERO;
	else if (pte_special(pte) || !pfn_valid(pfn))
		f |= KMR_PTE_SPECIAL;
	else
		f |= kmr_page_flags(pfn_to_page(pfn));
	return KMR_PTE_MAKE(pfn, f);
}

/*
 * The huge zero page: huge_zero_pfn is not exported; ksyms.c finds it.
 * Should it be missing, it is the only large folio mapped by a PMD leaf
 * without a mapping (anon THPs have their anon_vma, file and hugetlb folios
 * their address_space, DAX and pfn maps are devmap/special).
 */
static bool kmr_is_huge_zero(struct page *page)
{
	struct folio *folio = page_folio(page);
	int known = kmr_is_huge_zero_pfn(page_to_pfn(page));

	if (known >= 0)
		return known;
	return folio_test_large(folio) && !READ_ONCE(folio->mapping);
}

/* Flags of a present PMD/PUD leaf from its raw x86 bits. */
static u32 kmr_leaf_bits(unsigned long flags)
{
	u32 f = KMR_PTE_PRESENT | KMR_PTE_HUGE;

	if (flags & _PAGE_RW)
		f |= KMR_PTE_WRITE;
	if (flags & _PAGE_DIRTY)
		f |= KMR_PTE_DIRTY;
	if (flags & _PAGE_ACCESSED)
		f |= KMR_PTE_YOUNG;
	if (!(flags & _PAGE_NX))
		f |= KMR_PTE_EXEC;
	if (flags & _PAGE_SOFT_DIRTY)
		f |= KMR_PTE_SOFTDIRTY;
	return f;
}

u64 kmr_pmd_entry(pmd_t pmd)
{
	unsigned long pfn;
	struct page *page;
	u32 f;

	if (pmd_none(pmd))
		return 0;
	if (!pmd_present(pmd)) {
		if (is_pmd_migration_entry(pmd))
			return KMR_PTE_MAKE(0, KMR_PTE_MIGRATION | KMR_PTE_HUGE);
		return KMR_PTE_MAKE(0, KMR_PTE_SWAP | KMR_PTE_HUGE);
	}
	pfn = pmd_pfn(pmd);
	f = kmr_leaf_bits(pmd_flags(pmd));
	if (kmr_pmd_special(pmd) || pmd_devmap(pmd) || !pfn_valid(pfn))
		return KMR_PTE_MAKE(pfn, f | KMR_PTE_SPECIAL);
	page = pfn_to_page(pfn);
	if (kmr_is_huge_zero(page))
		return KMR_PTE_MAKE(pfn, f | KMR_PTE_ZERO);
	return KMR_PTE_MAKE(pfn, f | kmr_page_flags(page));
}

u64 kmr_pud_entry(pud_t pud)
{
	unsigned long pfn;
	u32 f;

	if (pud_none(pud))
		return 0;
	if (!pud_present(pud))
		return kmr_swp_entry(pte_to_swp_entry(__pte(pud_val(pud))),
				     KMR_PTE_HUGE);
	pfn = pud_pfn(pud);
	f = kmr_leaf_bits(pud_flags(pud));
	if (kmr_pud_special(pud) || pud_devmap(pud) || !pfn_valid(pfn))
		return KMR_PTE_MAKE(pfn, f | KMR_PTE_SPECIAL);
	return KMR_PTE_MAKE(pfn, f | kmr_page_flags(pfn_to_page(pfn)));
}
