// SPDX-License-Identifier: GPL-2.0
/*
 * The mmu_notifier of a traced mm: every unmap, protection change, reclaim,
 * CoW clear, KSM merge, migration start and fork write-protect of its page
 * tables, from whichever task or kthread does it.
 *
 * At invalidate_range_end the range is reported as gone (KMR_EV_PTE_UNMAP
 * with the notifier's reason) and then re-read under the page-table locks
 * (KMR_EV_PTE, cause RESYNC): whatever raced with the invalidation, the last
 * record for each page states what the page table holds.  Only the end
 * callback is used: .change_pte and .invalidate_range exist in 6.1 only and
 * the re-read covers what they would tell.
 */
#include <linux/mmu_notifier.h>
#include <linux/slab.h>
#include "compat/probes.h"
#include "probes.h"

static enum kmr_unmap_reason kmr_unmap_reason(enum mmu_notifier_event ev)
{
	switch (ev) {
	case MMU_NOTIFY_UNMAP:
		return KMR_UNMAP_MUNMAP;
	case MMU_NOTIFY_CLEAR:
		return KMR_UNMAP_CLEAR;
	case MMU_NOTIFY_PROTECTION_VMA:
		return KMR_UNMAP_PROTECT_VMA;
	case MMU_NOTIFY_PROTECTION_PAGE:
		return KMR_UNMAP_PROTECT_PAGE;
	case MMU_NOTIFY_SOFT_DIRTY:
		return KMR_UNMAP_SOFT_DIRTY;
	case MMU_NOTIFY_RELEASE:
		return KMR_UNMAP_RELEASE;
	case MMU_NOTIFY_MIGRATE:
		return KMR_UNMAP_MIGRATE;
	case MMU_NOTIFY_EXCLUSIVE:
		return KMR_UNMAP_EXCLUSIVE;
	}
	return KMR_UNMAP_OTHER;
}

static void kmr_mn_range_end(struct mmu_notifier *mn,
			     const struct mmu_notifier_range *range)
{
	struct kmr_pmm *pmm = container_of(mn, struct kmr_pmm, mn);
	struct mm_struct *mm = range->mm;
	enum kmr_unmap_reason reason;
	struct kmr_session *s;

	/*
	 * khugepaged/MADV_COLLAPSE install the huge PMD after this callback,
	 * under the mmap write lock we can see is ours: re-read the range at
	 * the write-unlock (probe_vma.c).
	 */
	if (range->event == MMU_NOTIFY_CLEAR &&
	    kmr_rwsem_write_held_by_current(&mm->mmap_lock))
		kmr_vma_note_rewalk(pmm, range->start, range->end);

	rcu_read_lock();
	/*
	 * The CoW of the fault running on this task: its COW record (rmap
	 * hook, under the PTL) and its PTE (sent there too, or re-read at the
	 * fault's return after a swap-in) describe the page exactly; the
	 * clear-and-refill pair would only repeat them.
	 */
	if (range->event == MMU_NOTIFY_CLEAR) {
		struct kmr_fctx *c = kmr_fctx_current();

		if (kmr_fctx_owns_cow(c, mm, range->start, range->end)) {
			kmr_fctx_cow_done(c);
			goto out;
		}
	}
	reason = kmr_unmap_reason(range->event);
	kmr_for_each_session_mm(mm, s) {
		kmr_emit_pte_unmap(s, range->start, range->end, reason);
		kmr_emit_pte_range(s, mm, range->start, range->end,
				   KMR_PTE_CAUSE_RESYNC);
	}
out:
	rcu_read_unlock();
}

static void kmr_mn_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	kmr_proc_mm_released(container_of(mn, struct kmr_pmm, mn), mm);
}

static struct mmu_notifier *kmr_mn_alloc(struct mm_struct *mm)
{
	struct kmr_pmm *pmm = kzalloc(sizeof(*pmm), GFP_KERNEL);

	if (!pmm)
		return ERR_PTR(-ENOMEM);
	pmm->sh = RB_ROOT;
	return &pmm->mn;
}

/* After the last mmu_notifier_put() and an SRCU grace period. */
static void kmr_mn_free(struct mmu_notifier *mn)
{
	struct kmr_pmm *pmm = container_of(mn, struct kmr_pmm, mn);

	kmr_vma_shadow_free(pmm);
	kfree(pmm);
}

const struct mmu_notifier_ops kmr_mn_ops = {
	.release		= kmr_mn_release,
	.invalidate_range_end	= kmr_mn_range_end,
	.alloc_notifier		= kmr_mn_alloc,
	.free_notifier		= kmr_mn_free,
};
