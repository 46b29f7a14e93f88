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
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include "compat/mm.h"
#include "compat/probes.h"
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

/* ------------------------------------------------------------------------ */
/* The shadow                                                               */
/* ------------------------------------------------------------------------ */

static void kmr_vsh_fill(struct kmr_vshadow *v, struct vm_area_struct *vma)
{
	v->start = vma->vm_start;
	v->end = vma->vm_end;
	v->flags = vma->vm_flags;
	v->pgoff = vma->vm_pgoff;
	v->file = vma->vm_file;
	v->name = kmr_vma_anon_name(vma);
	v->cls = 0;
	if (!vma->vm_file) {
		if (kmr_vma_is_initial_heap(vma))
			v->cls |= KMR_VSH_HEAP;
		if (kmr_vma_is_initial_stack(vma))
			v->cls |= KMR_VSH_STACK;
	}
}

static bool kmr_vsh_same(const struct kmr_vshadow *a,
			 const struct kmr_vshadow *b)
{
	return a->start == b->start && a->end == b->end &&
	       a->flags == b->flags && a->pgoff == b->pgoff &&
	       a->file == b->file && a->name == b->name && a->cls == b->cls;
}

/* Room for @need entries in both arrays; @gfp is GFP_ATOMIC in hooks. */
static int kmr_vsh_reserve(struct kmr_pmm *pmm, unsigned int need, gfp_t gfp)
{
	struct kmr_vshadow *a, *b;
	unsigned int cap;

	if (need <= pmm->sh_cap)
		return 0;
	cap = max(need + need / 2, 64u);
	a = kmalloc_array(cap, sizeof(*a), gfp | __GFP_NOWARN);
	b = kmalloc_array(cap, sizeof(*b), gfp | __GFP_NOWARN);
	if (!a || !b) {
		kfree(a);
		kfree(b);
		return -ENOMEM;
	}
	if (pmm->sh_valid)
		memcpy(a, pmm->sh, pmm->sh_nr * sizeof(*a));
	kfree(pmm->sh);
	kfree(pmm->sh_next);
	pmm->sh = a;
	pmm->sh_next = b;
	pmm->sh_cap = cap;
	return 0;
}

int kmr_vma_shadow_init(struct kmr_pmm *pmm, struct mm_struct *mm)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	int ret;

	mmap_assert_write_locked(mm);
	vma_iter_init(&vmi, mm, 0);
	ret = kmr_vsh_reserve(pmm, mm->map_count + 16, GFP_KERNEL);
	if (ret)
		return ret;
	pmm->sh_nr = 0;
	for_each_vma(vmi, vma) {
		if (WARN_ON_ONCE(pmm->sh_nr >= pmm->sh_cap))
			return -EINVAL;
		kmr_vsh_fill(&pmm->sh[pmm->sh_nr++], vma);
	}
	pmm->sh_valid = true;
	pmm->nr_rewalk = 0;
	pmm->rewalk_all = false;
	return 0;
}

void kmr_vma_shadow_free(struct kmr_pmm *pmm)
{
	kfree(pmm->sh);
	kfree(pmm->sh_next);
	pmm->sh = NULL;
	pmm->sh_next = NULL;
	pmm->sh_cap = 0;
	pmm->sh_nr = 0;
	pmm->sh_valid = false;
}

void kmr_vma_note_rewalk(struct kmr_pmm *pmm, unsigned long start,
			 unsigned long end)
{
	if (pmm->nr_rewalk >= KMR_REWALK_MAX) {
		pmm->rewalk_all = true;
		return;
	}
	pmm->rewalk[pmm->nr_rewalk].start = start;
	pmm->rewalk[pmm->nr_rewalk].end = end;
	pmm->nr_rewalk++;
}

/* ------------------------------------------------------------------------ */
/* The diff                                                                 */
/* ------------------------------------------------------------------------ */

/* Address ranges collected by a diff, merged when they touch or overflow. */
#define KMR_DIFF_RANGES		16

struct kmr_ranges {
	unsigned int nr;
	struct {
		unsigned long start, end;
	} r[KMR_DIFF_RANGES];
};

/* Ranges arrive nearly sorted by start; kmr_ranges_normalize() sorts. */
static void kmr_ranges_add(struct kmr_ranges *rs, unsigned long start,
			   unsigned long end)
{
	if (start >= end)
		return;
	/* overlapping the last one, or no room left: widen the last one */
	if (rs->nr && ((start <= rs->r[rs->nr - 1].end &&
			end >= rs->r[rs->nr - 1].start) ||
		       rs->nr == KMR_DIFF_RANGES)) {
		rs->r[rs->nr - 1].start = min(rs->r[rs->nr - 1].start, start);
		rs->r[rs->nr - 1].end = max(rs->r[rs->nr - 1].end, end);
		return;
	}
	rs->r[rs->nr].start = start;
	rs->r[rs->nr].end = end;
	rs->nr++;
}

/* Add the parts of @n not covered by old[*j...] to @fresh. */
static void kmr_uncovered(const struct kmr_vshadow *old, unsigned int nold,
			  unsigned int *j, const struct kmr_vshadow *n,
			  struct kmr_ranges *fresh)
{
	unsigned long cur = n->start;
	unsigned int k;

	while (*j < nold && old[*j].end <= n->start)
		(*j)++;
	for (k = *j; k < nold && old[k].start < n->end; k++) {
		if (old[k].start > cur)
			kmr_ranges_add(fresh, cur, old[k].start);
		cur = max(cur, old[k].end);
	}
	if (cur < n->end)
		kmr_ranges_add(fresh, cur, n->end);
}

/*
 * Walk the mm's VMAs and the shadow in address order.  @win gets the union
 * of every changed old and new VMA (the windows to resend), @fresh the
 * addresses the new VMAs cover and the old ones did not.  The new shadow is
 * built in sh_next.  Returns false when the shadow cannot hold the mm.
 */
static bool kmr_vma_diff(struct kmr_pmm *pmm, struct mm_struct *mm,
			 struct kmr_ranges *win, struct kmr_ranges *fresh)
{
	const struct kmr_vshadow *old = pmm->sh;
	unsigned int nold = pmm->sh_nr, i = 0, j = 0, nn = 0;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;

	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		struct kmr_vshadow *n;

		if (nn == pmm->sh_cap)
			return false;
		n = &pmm->sh_next[nn++];
		kmr_vsh_fill(n, vma);
		/* old VMAs wholly before this one are gone */
		while (i < nold && old[i].end <= n->start) {
			kmr_ranges_add(win, old[i].start, old[i].end);
			i++;
		}
		if (i < nold && kmr_vsh_same(&old[i], n)) {
			i++;
			continue;
		}
		/* changed: old ones overlapping it go with it */
		while (i < nold && old[i].start < n->end) {
			kmr_ranges_add(win, min(old[i].start, n->start),
				       max(old[i].end, n->end));
			i++;
		}
		kmr_ranges_add(win, n->start, n->end);
		kmr_uncovered(old, nold, &j, n, fresh);
	}
	for (; i < nold; i++)
		kmr_ranges_add(win, old[i].start, old[i].end);
	swap(pmm->sh, pmm->sh_next);
	pmm->sh_nr = nn;
	return true;
}

/*
 * The window adder above merges only ranges that arrive in order; the
 * gone-before and overlapping cases can arrive slightly out of order when a
 * VMA shrank from below.  Sort-merge once more before use (few entries).
 */
static void kmr_ranges_normalize(struct kmr_ranges *rs)
{
	unsigned int a, b, n = 0;

	for (a = 1; a < rs->nr; a++)
		for (b = a; b > 0 && rs->r[b - 1].start > rs->r[b].start; b--)
			swap(rs->r[b - 1], rs->r[b]);
	for (a = 0; a < rs->nr; a++) {
		if (n && rs->r[a].start <= rs->r[n - 1].end) {
			rs->r[n - 1].end = max(rs->r[n - 1].end, rs->r[a].end);
			continue;
		}
		rs->r[n++] = rs->r[a];
	}
	rs->nr = n;
}

static void kmr_vma_commit(struct kmr_pmm *pmm, struct mm_struct *mm,
			   unsigned long pip)
{
	struct kmr_ranges win = { 0 }, fresh = { 0 };
	enum kmr_vma_cause cause = KMR_VMA_CAUSE_UNKNOWN;
	bool all = false, rewalk_all = pmm->rewalk_all;
	unsigned int nr_rewalk = pmm->nr_rewalk, k;
	struct kmr_session *s;

	pmm->nr_rewalk = 0;
	pmm->rewalk_all = false;
	if (!pmm->sh_valid ||
	    kmr_vsh_reserve(pmm, mm->map_count + 1, GFP_ATOMIC) ||
	    !kmr_vma_diff(pmm, mm, &win, &fresh)) {
		/*
		 * No shadow (an atomic allocation failed): resend every VMA
		 * and re-read every PTE, and try to rebuild it from nothing.
		 */
		all = true;
		pmm->sh_valid = false;
		pmm->sh_nr = 0;
		pmm->sh_valid = !kmr_vsh_reserve(pmm, mm->map_count + 1,
						 GFP_ATOMIC) &&
				kmr_vma_diff(pmm, mm, &win, &fresh);
	}
	if (!all && !win.nr && !nr_rewalk && !rewalk_all)
		return;
	kmr_ranges_normalize(&win);
	if (win.nr || all)
		cause = kmr_cause_of_ip(pip);

	kmr_for_each_session_mm(mm, s) {
		if (all) {
			kmr_emit_vma_window(s, 0, TASK_SIZE_MAX, cause);
			kmr_emit_pte_range(s, 0, TASK_SIZE_MAX,
					   KMR_PTE_CAUSE_RESYNC);
			continue;
		}
		for (k = 0; k < win.nr; k++)
			kmr_emit_vma_window(s, win.r[k].start, win.r[k].end,
					    cause);
		for (k = 0; k < fresh.nr; k++)
			kmr_emit_pte_range(s, fresh.r[k].start,
					   fresh.r[k].end,
					   cause == KMR_VMA_CAUSE_MREMAP ?
					   KMR_PTE_CAUSE_MREMAP :
					   KMR_PTE_CAUSE_OTHER);
		if (rewalk_all)
			kmr_emit_pte_range(s, 0, TASK_SIZE_MAX,
					   KMR_PTE_CAUSE_COLLAPSE);
		else
			for (k = 0; k < nr_rewalk; k++)
				kmr_emit_pte_range(s, pmm->rewalk[k].start,
						   pmm->rewalk[k].end,
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

static struct ftrace_ops kmr_unlock_ops = { .func = kmr_unlock_entry };

int kmr_vma_register(void)
{
	int ret;

	ret = ftrace_set_filter(&kmr_unlock_ops, (unsigned char *)"up_write",
				strlen("up_write"), 1);
	if (!ret)
		ret = ftrace_set_filter(&kmr_unlock_ops,
					(unsigned char *)"downgrade_write",
					strlen("downgrade_write"), 0);
	if (!ret)
		ret = register_ftrace_function(&kmr_unlock_ops);
	if (ret)
		pr_err("kmemrec: cannot hook up_write/downgrade_write: %d\n",
		       ret);
	return ret;
}

void kmr_vma_unregister(void)
{
	unregister_ftrace_function(&kmr_unlock_ops);
}
