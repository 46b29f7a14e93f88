// SPDX-License-Identifier: GPL-2.0
/*
 * VMA changes of a traced mm, caught at one commit point: the entry of
 * up_write()/downgrade_write() on its mmap_lock (ftrace_ops filtered by the
 * semaphore's address).  Both kernels make every VMA change under the mmap
 * write lock (6.12's per-VMA locks are for faults; vma_start_write() asserts
 * the mmap write lock), and at the unlock's entry the lock is still held and
 * the VMA tree is final.  There the mm's VMAs are diffed against a compact
 * shadow and each changed region is sent as a VMA window, so mmap, munmap,
 * mprotect, mremap, brk, stack growth, madvise flag changes, mlock, exec's
 * loader, vdso and userfaultfd registration are all seen the same way.
 *
 * PTEs that move without a fault or notifier are re-read here too: the
 * address ranges a VMA newly covers (mremap's destination), and ranges
 * invalidated under this write lock (khugepaged's collapse sets the huge
 * PMD after invalidate_range_end).
 *
 * The cause is a hint taken from the unlock's caller (parent_ip): resolved
 * to a symbol name once per call site with sprint_symbol_no_offset() and
 * cached.
 */
#include <linux/ftrace.h>
#include <linux/kallsyms.h>
#include <linux/mm.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "compat/mm.h"
#include "compat/probes.h"
#include "ksyms.h"
#include "probes.h"

/* ------------------------------------------------------------------------ */
/* Cause from the caller                                                    */
/* ------------------------------------------------------------------------ */

static const struct {
	const char *name;	/* symbol, or syscall name after its prefix */
	u8 cause;
} kmr_cause_names[] = {
	{ "vm_mmap_pgoff", KMR_VMA_CAUSE_MMAP },
	{ "ksys_mmap_pgoff", KMR_VMA_CAUSE_MMAP },
	{ "mmap", KMR_VMA_CAUSE_MMAP },
	{ "mmap_pgoff", KMR_VMA_CAUSE_MMAP },
	{ "remap_file_pages", KMR_VMA_CAUSE_MMAP },
	{ "shmat", KMR_VMA_CAUSE_MMAP },
	{ "do_shmat", KMR_VMA_CAUSE_MMAP },
	{ "brk", KMR_VMA_CAUSE_BRK },
	{ "mprotect", KMR_VMA_CAUSE_MPROTECT },
	{ "pkey_mprotect", KMR_VMA_CAUSE_MPROTECT },
	{ "do_mprotect_pkey", KMR_VMA_CAUSE_MPROTECT },
	{ "mremap", KMR_VMA_CAUSE_MREMAP },
	{ "munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "shmdt", KMR_VMA_CAUSE_MUNMAP },
	{ "__vm_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "vm_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "do_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "do_vmi_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "do_vmi_align_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "do_mas_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "do_mas_align_munmap", KMR_VMA_CAUSE_MUNMAP },
	{ "vms_complete_munmap_vmas", KMR_VMA_CAUSE_MUNMAP },
	{ "madvise", KMR_VMA_CAUSE_MADVISE },
	{ "process_madvise", KMR_VMA_CAUSE_MADVISE },
	{ "do_madvise", KMR_VMA_CAUSE_MADVISE },
	{ "mlock", KMR_VMA_CAUSE_MLOCK },
	{ "mlock2", KMR_VMA_CAUSE_MLOCK },
	{ "munlock", KMR_VMA_CAUSE_MLOCK },
	{ "mlockall", KMR_VMA_CAUSE_MLOCK },
	{ "munlockall", KMR_VMA_CAUSE_MLOCK },
	{ "do_mlock", KMR_VMA_CAUSE_MLOCK },
	{ "lock_mm_and_find_vma", KMR_VMA_CAUSE_STACK },
	{ "expand_stack", KMR_VMA_CAUSE_STACK },
	{ "setup_arg_pages", KMR_VMA_CAUSE_EXEC },
	{ "load_elf_binary", KMR_VMA_CAUSE_EXEC },
	{ "begin_new_exec", KMR_VMA_CAUSE_EXEC },
	{ "setup_new_exec", KMR_VMA_CAUSE_EXEC },
	{ "vm_brk_flags", KMR_VMA_CAUSE_EXEC },
	{ "map_vdso", KMR_VMA_CAUSE_EXEC },
	{ "elf_load", KMR_VMA_CAUSE_EXEC },
};

static enum kmr_vma_cause kmr_cause_of_name(char *name)
{
	static const char * const prefixes[] = {
		"__do_sys_", "__x64_sys_", "__se_sys_", "__ia32_sys_",
	};
	unsigned int i;
	char *dot;

	dot = strchr(name, '.');	/* .isra.0, .constprop.0, .part.0 */
	if (dot)
		*dot = '\0';
	for (i = 0; i < ARRAY_SIZE(prefixes); i++) {
		size_t n = strlen(prefixes[i]);

		if (!strncmp(name, prefixes[i], n)) {
			name += n;
			break;
		}
	}
	for (i = 0; i < ARRAY_SIZE(kmr_cause_names); i++)
		if (!strcmp(name, kmr_cause_names[i].name))
			return kmr_cause_names[i].cause;
	return KMR_VMA_CAUSE_OTHER;
}

#define KMR_CAUSE_CACHE		64
static DEFINE_RAW_SPINLOCK(kmr_cause_lock);
static struct {
	unsigned long ip;
	u8 cause;
} kmr_cause_cache[KMR_CAUSE_CACHE];
static char kmr_cause_buf[KSYM_SYMBOL_LEN];

static enum kmr_vma_cause kmr_cause_of_ip(unsigned long ip)
{
	unsigned int h = hash_long(ip, 6);
	enum kmr_vma_cause cause;
	unsigned long flags;

	raw_spin_lock_irqsave(&kmr_cause_lock, flags);
	if (kmr_cause_cache[h].ip == ip) {
		cause = kmr_cause_cache[h].cause;
	} else {
		sprint_symbol_no_offset(kmr_cause_buf, ip);
		cause = kmr_cause_of_name(kmr_cause_buf);
		kmr_cause_cache[h].ip = ip;
		kmr_cause_cache[h].cause = cause;
	}
	raw_spin_unlock_irqrestore(&kmr_cause_lock, flags);
	return cause;
}

void kmr_vma_note_rewalk(struct kmr_pmm *pmm, unsigned long start,
			 unsigned long end)
{
	kmr_ranges_add(&pmm->rewalk, start, end);
}

/* ------------------------------------------------------------------------ */
/* Hints: VMA operations that tell which range they change                 */
/* ------------------------------------------------------------------------ */

struct kmr_hint_hook {
	const char *sym;
	u8 kind, a, b;			/* enum kmr_hint_kind, argument numbers */
};

static void notrace kmr_hint_entry(const struct kmr_hint_hook *h,
				   struct ftrace_regs *fregs)
{
	unsigned long a = kmr_farg(fregs, h->a), b = kmr_farg(fregs, h->b);
	struct mm_struct *mm = current->mm;
	struct kmr_pmm *pmm;

	if (h->kind == KMR_HINT_STACK) {
		struct vm_area_struct *vma = (struct vm_area_struct *)a;

		mm = vma->vm_mm;
		a = b;
		b = vma->vm_end;
	} else if (h->kind == KMR_HINT_LEN) {
		b += a;
	}
	if (!mm)
		return;
	pmm = kmr_pmm_of_sem(&mm->mmap_lock);
	/* only under our write lock: the commit that follows is ours */
	if (likely(!pmm) || !kmr_rwsem_write_held_by_current(&mm->mmap_lock))
		return;
	kmr_ranges_add(&pmm->hint, a, b);
}

static struct kmr_hint_hook kmr_hint_hooks[] = {
	{ .sym = "mmap_region", .kind = KMR_HINT_LEN, .a = 1, .b = 2 },
	{ .sym = KMR_SYM_ALIGN_MUNMAP, .kind = KMR_HINT_END, .a = 3, .b = 4 },
	{ .sym = "do_brk_flags", .kind = KMR_HINT_LEN, .a = 2, .b = 3 },
	{ .sym = "mprotect_fixup", .kind = KMR_HINT_END,
	  .a = KMR_MPROTECT_ARG0, .b = KMR_MPROTECT_ARG0 + 1 },
	{ .sym = "expand_downwards", .kind = KMR_HINT_STACK, .a = 0, .b = 1 },
};

/*
 * Causes whose VMA changes all go through the hint hooks above, checked in
 * both kernels' sources: mmap_region() (also MAP_FIXED replacement and
 * merges with neighbours, which the region growth covers), the munmap
 * core (munmap, brk shrink), do_brk_flags() (brk growth), mprotect_fixup()
 * (every piece of an mprotect) and expand_downwards() (stack).  Their
 * commits diff only the hinted ranges; any other writer (madvise, mlock,
 * mremap, userfaultfd, fork's dup_mmap, exec, prctl) gets a full diff.
 */
static bool kmr_cause_hinted(enum kmr_vma_cause cause)
{
	return cause == KMR_VMA_CAUSE_MMAP || cause == KMR_VMA_CAUSE_MUNMAP ||
	       cause == KMR_VMA_CAUSE_BRK || cause == KMR_VMA_CAUSE_MPROTECT ||
	       cause == KMR_VMA_CAUSE_STACK;
}

/* ------------------------------------------------------------------------ */
/* The commit                                                               */
/* ------------------------------------------------------------------------ */

static void kmr_vma_commit(struct kmr_pmm *pmm, struct mm_struct *mm,
			   unsigned long pip)
{
	struct kmr_ranges win = { 0 }, fresh = { 0 };
	struct kmr_ranges hint = pmm->hint, rewalk = pmm->rewalk;
	enum kmr_vma_cause cause = kmr_cause_of_ip(pip);
	enum kmr_pte_cause pcause;
	struct kmr_session *s;
	bool all = false;
	unsigned int k;

	memset(&pmm->hint, 0, sizeof(pmm->hint));
	memset(&pmm->rewalk, 0, sizeof(pmm->rewalk));
	if (!pmm->sh_valid) {
		/* rebuild from nothing: every VMA is new */
		kmr_vma_shadow_free(pmm);
		pmm->sh_valid = true;
		all = true;
	}
	/*
	 * Where can PTEs appear with no fault and no notifier?  In addresses
	 * a VMA newly covers (fresh), in what mmap_region() mapped (a driver's
	 * ->mmap may fill page tables: remap_pfn_range, vm_insert_page), and
	 * in every VMA an mremap changed (moved page tables land in a range
	 * that may have been covered before, e.g. by a PROT_NONE reservation).
	 */
	if (!all && kmr_cause_hinted(cause)) {
		kmr_ranges_normalize(&hint);
		for (k = 0; k < hint.nr && pmm->sh_valid; k++) {
			pmm->sh_valid = kmr_vma_shadow_diff(pmm, mm,
							    hint.r[k].start,
							    hint.r[k].end,
							    false, &win,
							    &fresh);
			if (cause == KMR_VMA_CAUSE_MMAP)
				kmr_ranges_add(&fresh, hint.r[k].start,
					       hint.r[k].end);
		}
	} else {
		pmm->sh_valid = kmr_vma_shadow_diff(pmm, mm, 0, ULONG_MAX,
						    cause ==
						    KMR_VMA_CAUSE_MREMAP,
						    &win, &fresh);
	}
	if (!pmm->sh_valid)
		all = true;	/* an atomic allocation failed: resend all */
	if (!all && !win.nr && !rewalk.nr)
		return;
	kmr_ranges_normalize(&win);
	kmr_ranges_normalize(&fresh);
	kmr_ranges_normalize(&rewalk);
	pcause = cause == KMR_VMA_CAUSE_MREMAP ? KMR_PTE_CAUSE_MREMAP :
						 KMR_PTE_CAUSE_OTHER;

	kmr_for_each_session_mm(mm, s) {
		if (all) {
			kmr_emit_vma_window(s, mm, 0, TASK_SIZE_MAX,
					    cause);
			kmr_emit_pte_range(s, mm, 0, TASK_SIZE_MAX,
					   KMR_PTE_CAUSE_RESYNC);
			continue;
		}
		for (k = 0; k < win.nr; k++)
			kmr_emit_vma_window(s, mm, win.r[k].start,
					    win.r[k].end, cause);
		/* PTEs that arrive with a VMA: mremap's moved ones, pfn maps */
		for (k = 0; k < fresh.nr; k++)
			kmr_emit_pte_range(s, mm, fresh.r[k].start,
					   fresh.r[k].end, pcause);
		/* khugepaged's huge PMD, set after its invalidation ended */
		for (k = 0; k < rewalk.nr; k++)
			kmr_emit_pte_range(s, mm, rewalk.r[k].start,
					   rewalk.r[k].end,
					   KMR_PTE_CAUSE_COLLAPSE);
	}
}

/* up_write(sem) / downgrade_write(sem): entry, lock still held for write. */
static void notrace kmr_unlock_entry(unsigned long ip, unsigned long pip,
				     struct ftrace_ops *op,
				     struct ftrace_regs *fregs)
{
	void *sem = (void *)kmr_farg(fregs, 0);
	struct kmr_pmm *pmm = kmr_pmm_of_sem(sem);

	if (likely(!pmm))
		return;
	kmr_vma_commit(pmm, container_of(sem, struct mm_struct, mmap_lock),
		       pip);
}

/*
 * The commit point and the hints, on probes.c's one ftrace_ops, told apart
 * by the call site (kmr_fentry_of(), probes.h; issue 10).  up_write() runs
 * machine-wide all the time: it is tested first.
 */
#define KMR_NR_HINTS	ARRAY_SIZE(kmr_hint_hooks)
#define KMR_VH_UP_WRITE	KMR_NR_HINTS
#define KMR_VH_DOWNGRADE (KMR_NR_HINTS + 1)
#define KMR_VH_NR	(KMR_NR_HINTS + 2)

/* function addresses, set before the ops is registered */
static unsigned long kmr_vma_addr[KMR_VH_NR];

bool notrace kmr_vma_entry(unsigned long ip, unsigned long pip,
			   struct ftrace_ops *op, struct ftrace_regs *fregs)
{
	unsigned int i;

	if (kmr_fentry_of(ip, kmr_vma_addr[KMR_VH_UP_WRITE]) ||
	    kmr_fentry_of(ip, kmr_vma_addr[KMR_VH_DOWNGRADE])) {
		kmr_unlock_entry(ip, pip, op, fregs);
		return true;
	}
	for (i = 0; i < KMR_NR_HINTS; i++)
		if (kmr_fentry_of(ip, kmr_vma_addr[i])) {
			kmr_hint_entry(&kmr_hint_hooks[i], fregs);
			return true;
		}
	return false;
}

int kmr_vma_entry_addrs(unsigned long *addrs, unsigned int room)
{
	unsigned int i;
	int ret;

	if (WARN_ON_ONCE(room < KMR_VH_NR))
		return -ENOSPC;
	for (i = 0; i < KMR_VH_NR; i++) {
		const char *sym = i < KMR_NR_HINTS ? kmr_hint_hooks[i].sym :
				  i == KMR_VH_UP_WRITE ? "up_write" :
				  "downgrade_write";

		ret = kmr_ksym_hook_addr(sym, &kmr_vma_addr[i]);
		if (ret) {
			pr_err("kmemrec: cannot hook %s: %d\n", sym, ret);
			return ret;
		}
		addrs[i] = kmr_vma_addr[i];
	}
	return KMR_VH_NR;
}
