// SPDX-License-Identifier: GPL-2.0
/*
 * Page migration (compaction, NUMA balancing, move_pages, soft offline):
 * the notifier reports the old PTE turning into a migration entry, but the
 * new PTE is set by remove_migration_pte() with no notifier.  A kretprobe
 * re-reads, at its return, the range the folio covers in that VMA under the
 * PTL (the caller's rmap lock keeps the VMA and its tables alive).  It is
 * also called for VMAs where nothing was mapped: those reads find nothing.
 */
#include <linux/kprobes.h>
#include <linux/cpumask.h>
#include <linux/mm.h>
#include "ksyms.h"
#include "probes.h"

struct kmr_migr {
	struct mm_struct *mm;
	unsigned long start, end;
};

static struct kretprobe kmr_migr_probe;

/* A missed restore: the migrated page's new PTE. */
static struct kmr_missed kmr_migr_missed = {
	.rp = &kmr_migr_probe,
	.kinds = BIT_ULL(KMR_EV_PTE),
};

static int kmr_migr_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct folio *folio = (struct folio *)regs_get_kernel_argument(regs, 0);
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 1);
	unsigned long addr = regs_get_kernel_argument(regs, 2);
	struct kmr_migr *m = (struct kmr_migr *)ri->data;

	if (likely(!kmr_mm_traced(vma->vm_mm)))
		return 1;
	kmr_missed_check(&kmr_migr_missed);
	/* rmap locks held by the caller keep the VMA and its tables alive */
	m->mm = vma->vm_mm;
	m->start = max(addr, vma->vm_start);
	m->end = min(addr + folio_size(folio), vma->vm_end);
	return 0;
}

static int kmr_migr_return(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct kmr_migr *m = (struct kmr_migr *)ri->data;
	struct kmr_session *s;

	kmr_for_each_session_mm(m->mm, s)
		kmr_emit_pte_range(s, m->mm, m->start, m->end,
				   KMR_PTE_CAUSE_MIGRATION);
	return 0;
}

static struct kretprobe kmr_migr_probe = {
	.entry_handler	= kmr_migr_entry,
	.handler	= kmr_migr_return,
	.data_size	= sizeof(struct kmr_migr),
	/* .maxactive: set at registration, from the number of CPUs */
};

void kmr_migrate_check_missed(void)
{
	kmr_missed_check(&kmr_migr_missed);
}

int kmr_migrate_register(void)
{
	int ret;

	/*
	 * The rmap walk calling it does not sleep: few instances are in use
	 * at once, about one per CPU migrating pages of a traced mm.
	 */
	kmr_migr_probe.maxactive = max(64U, 4 * num_possible_cpus());
	kmr_migr_probe.nmissed = 0;
	kmr_migr_probe.kp.flags = 0;
	kmr_missed_reset(&kmr_migr_missed);
	ret = kmr_hook_kretprobe(&kmr_migr_probe, "remove_migration_pte");
	if (ret)
		pr_err("kmemrec: cannot hook remove_migration_pte: %d\n", ret);
	return ret;
}

void kmr_migrate_unregister(void)
{
	unregister_kretprobe(&kmr_migr_probe);
	if (kmr_migr_probe.nmissed)
		pr_info("kmemrec: %d page migrations could not be traced (maxactive %d)\n",
			kmr_migr_probe.nmissed, kmr_migr_probe.maxactive);
}
