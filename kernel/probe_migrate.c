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
#include "compat/probes.h"
#include "ksyms.h"
#include "probes.h"

struct kmr_migr {
	struct mm_struct *mm;
	unsigned long start, end;
};

static struct kretprobe kmr_migr_probe;

/* Restores kmr_migr_fentry() found no instance for. */
static atomic_t kmr_migr_nomore;

/* A missed restore: the migrated page's new PTE. */
static struct kmr_missed kmr_migr_missed = {
	.rp = &kmr_migr_probe,
	.own = &kmr_migr_nomore,
	.kinds = BIT_ULL(KMR_EV_PTE),
};

/* remove_migration_pte(folio, vma, addr, ...) of a traced mm */
static void kmr_migr_fill(struct kmr_migr *m, struct folio *folio,
			  struct vm_area_struct *vma, unsigned long addr)
{
	/* rmap locks held by the caller keep the VMA and its tables alive */
	m->mm = vma->vm_mm;
	m->start = max(addr, vma->vm_start);
	m->end = min(addr + folio_size(folio), vma->vm_end);
}

/* The kretprobe's own entry: only where kmr_migr_fentry() cannot arm. */
static int kmr_migr_entry(struct kretprobe_instance *ri, struct pt_regs *regs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)regs_get_kernel_argument(regs, 1);

	if (likely(!kmr_mm_traced(vma->vm_mm)))
		return 1;
	kmr_missed_check(&kmr_migr_missed);
	kmr_migr_fill((struct kmr_migr *)ri->data,
		      (struct folio *)regs_get_kernel_argument(regs, 0), vma,
		      regs_get_kernel_argument(regs, 2));
	return 0;
}

/* The same from the shared ftrace_ops (kmr_kri_get(), probe_faults.c). */
static void notrace kmr_migr_fentry(struct ftrace_regs *fregs)
{
	struct vm_area_struct *vma =
		(struct vm_area_struct *)kmr_farg(fregs, 1);
	struct kretprobe_instance *ri;

	if (likely(!kmr_mm_traced(vma->vm_mm)) || !kmr_kri_fentry())
		return;
	kmr_missed_check(&kmr_migr_missed);
	ri = kmr_kri_get(&kmr_migr_probe, &kmr_migr_nomore);
	if (!ri)
		return;
	kmr_migr_fill((struct kmr_migr *)ri->data,
		      (struct folio *)kmr_farg(fregs, 0), vma,
		      kmr_farg(fregs, 2));
	kmr_kri_arm(ri, fregs);
}

static unsigned long kmr_migr_addr;

bool notrace kmr_migrate_entry(unsigned long ip, struct ftrace_regs *fregs)
{
	if (!kmr_fentry_of(ip, kmr_migr_addr))
		return false;
	kmr_migr_fentry(fregs);
	return true;
}

int kmr_migrate_entry_addrs(unsigned long *addrs, unsigned int room)
{
	return kmr_entry_addr_one("remove_migration_pte", &kmr_migr_addr,
				  addrs, room);
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

/* registered (disabled) since module load: kmr_migrate_load() */
static bool kmr_migr_loaded;

/*
 * Module load: registered disabled, until module exit (as the fault's
 * kretprobe, kmr_faults_load()): ATTACH then only arms it.
 */
int kmr_migrate_load(void)
{
	/*
	 * The rmap walk calling it does not sleep: few instances are in use
	 * at once, about one per CPU migrating pages of a traced mm.
	 */
	kmr_migr_probe.maxactive = max(64U, 4 * num_possible_cpus());
	return kmr_kri_load(&kmr_migr_probe, "remove_migration_pte",
			    &kmr_migr_loaded);
}

void kmr_migrate_unload(void)
{
	kmr_kri_unload(&kmr_migr_probe, &kmr_migr_loaded);
}

int kmr_migrate_register(void)
{
	int ret = kmr_migrate_load();

	/* armed by kmr_migr_fentry() where it can, by the kprobe if not */
	if (!ret)
		ret = kmr_kri_enable(&kmr_migr_missed);
	if (ret)
		pr_err("kmemrec: cannot hook remove_migration_pte: %d\n", ret);
	return ret;
}

/* Returns armed before still run: they find no session for their mm. */
void kmr_migrate_unregister(void)
{
	kmr_kri_disable(&kmr_migr_probe);
	if (kmr_migr_probe.nmissed)
		pr_info("kmemrec: %d page migrations could not be traced (maxactive %d)\n",
			kmr_migr_probe.nmissed, kmr_migr_probe.maxactive);
}
