// SPDX-License-Identifier: GPL-2.0
/*
 * The VMA shadow of a traced mm: what the session's consumers were last
 * told about each VMA, in a maple tree keyed by the VMA's range, so the
 * commit point (probe_vma.c) can diff one address range in O(log n + k)
 * instead of walking every VMA.  Used only with the mm's mmap_lock held for
 * write (or, at init, before the mm is listed), from hooks: allocations are
 * GFP_ATOMIC, and a failure only costs a full resend.
 */
#include <linux/maple_tree.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "compat/mm.h"
#include "probes.h"

/* ------------------------------------------------------------------------ */
/* Range sets                                                               */
/* ------------------------------------------------------------------------ */

void kmr_ranges_add(struct kmr_ranges *rs, unsigned long start,
		    unsigned long end)
{
	if (start >= end)
		return;
	/* overlapping or touching the last one, or no room: widen the last */
	if (rs->nr && ((start <= rs->r[rs->nr - 1].end &&
			end >= rs->r[rs->nr - 1].start) ||
		       rs->nr == KMR_RANGES_MAX)) {
		if (rs->nr == KMR_RANGES_MAX)
			rs->overflow = true;
		rs->r[rs->nr - 1].start = min(rs->r[rs->nr - 1].start, start);
		rs->r[rs->nr - 1].end = max(rs->r[rs->nr - 1].end, end);
		return;
	}
	rs->r[rs->nr].start = start;
	rs->r[rs->nr].end = end;
	rs->nr++;
}

void kmr_ranges_normalize(struct kmr_ranges *rs)
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

/* ------------------------------------------------------------------------ */
/* Entries                                                                  */
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

static int kmr_vsh_store(struct kmr_pmm *pmm, struct vm_area_struct *vma,
			 gfp_t gfp)
{
	struct kmr_vshadow *v = kmalloc(sizeof(*v), gfp | __GFP_NOWARN);

	if (!v)
		return -ENOMEM;
	kmr_vsh_fill(v, vma);
	if (mtree_store_range(&pmm->sh, v->start, v->end - 1, v,
			      gfp | __GFP_NOWARN)) {
		kfree(v);
		return -ENOMEM;
	}
	return 0;
}

static void kmr_vsh_clear(struct kmr_pmm *pmm)
{
	struct kmr_vshadow *v;
	unsigned long idx = 0;

	mt_for_each(&pmm->sh, v, idx, ULONG_MAX)
		kfree(v);
	mtree_destroy(&pmm->sh);
	mt_init(&pmm->sh);
}

int kmr_vma_shadow_init(struct kmr_pmm *pmm, struct mm_struct *mm)
{
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	int ret;

	mmap_assert_write_locked(mm);
	mt_init(&pmm->sh);
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		ret = kmr_vsh_store(pmm, vma, GFP_KERNEL);
		if (ret) {
			kmr_vsh_clear(pmm);
			return ret;
		}
	}
	pmm->sh_valid = true;
	memset(&pmm->hint, 0, sizeof(pmm->hint));
	memset(&pmm->rewalk, 0, sizeof(pmm->rewalk));
	return 0;
}

void kmr_vma_shadow_free(struct kmr_pmm *pmm)
{
	kmr_vsh_clear(pmm);
	mtree_destroy(&pmm->sh);
	pmm->sh_valid = false;
}

/* ------------------------------------------------------------------------ */
/* The diff                                                                 */
/* ------------------------------------------------------------------------ */

/* Grow [*lo, *hi) until no VMA, old or new, crosses its ends. */
static void kmr_grow_region(struct kmr_pmm *pmm, struct mm_struct *mm,
			    unsigned long *lo, unsigned long *hi)
{
	for (;;) {
		unsigned long nlo = *lo, nhi = *hi, idx = *lo;
		struct vm_area_struct *vma;
		struct kmr_vshadow *o;

		o = mt_find(&pmm->sh, &idx, *hi - 1);
		if (o)
			nlo = min(nlo, o->start);
		o = mtree_load(&pmm->sh, *hi - 1);
		if (o)
			nhi = max(nhi, o->end);
		vma = find_vma(mm, *lo);
		if (vma && vma->vm_start < *lo)
			nlo = vma->vm_start;
		vma = find_vma(mm, *hi - 1);
		if (vma && vma->vm_start <= *hi - 1)
			nhi = max(nhi, vma->vm_end);
		if (nlo == *lo && nhi == *hi)
			return;
		*lo = nlo;
		*hi = nhi;
	}
}

/* Add the parts of [start, end) no shadow VMA covers to @fresh. */
static void kmr_uncovered(struct kmr_pmm *pmm, unsigned long start,
			  unsigned long end, struct kmr_ranges *fresh)
{
	unsigned long cur = start, idx = start;
	struct kmr_vshadow *o;

	while ((o = mt_find(&pmm->sh, &idx, end - 1))) {
		if (o->start > cur)
			kmr_ranges_add(fresh, cur, o->start);
		cur = max(cur, o->end);
		if (cur >= end)
			return;
	}
	if (cur < end)
		kmr_ranges_add(fresh, cur, end);
}

/* Replace the shadow's entries in [start, end) with the mm's VMAs. */
static bool kmr_vsh_replace(struct kmr_pmm *pmm, struct mm_struct *mm,
			    unsigned long start, unsigned long end)
{
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	unsigned long idx = start;
	struct kmr_vshadow *o;

	while ((o = mt_find(&pmm->sh, &idx, end - 1))) {
		if (mtree_store_range(&pmm->sh, o->start, o->end - 1, NULL,
				      GFP_ATOMIC | __GFP_NOWARN))
			return false;
		kfree(o);
	}
	vma_iter_init(&vmi, mm, start);
	for_each_vma_range(vmi, vma, end)
		if (kmr_vsh_store(pmm, vma, GFP_ATOMIC))
			return false;
	return true;
}

bool kmr_vma_shadow_diff(struct kmr_pmm *pmm, struct mm_struct *mm,
			 unsigned long lo, unsigned long hi, bool whole,
			 struct kmr_ranges *win, struct kmr_ranges *fresh)
{
	struct kmr_ranges changed = { 0 };
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	struct kmr_vshadow *o, n;
	unsigned long idx;
	unsigned int k;

	kmr_grow_region(pmm, mm, &lo, &hi);
	idx = lo;
	o = mt_find(&pmm->sh, &idx, hi - 1);
	vma_iter_init(&vmi, mm, lo);
	vma = vma_find(&vmi, hi - 1);
	while (o || vma) {
		if (vma)
			kmr_vsh_fill(&n, vma);
		if (o && vma && kmr_vsh_same(o, &n)) {
			o = mt_find(&pmm->sh, &idx, hi - 1);
			vma = vma_find(&vmi, hi - 1);
			continue;
		}
		if (vma && (!o || n.start <= o->start)) {
			kmr_ranges_add(&changed, n.start, n.end);
			if (whole)
				kmr_ranges_add(fresh, n.start, n.end);
			else
				kmr_uncovered(pmm, n.start, n.end, fresh);
			if (o && o->start == n.start) {
				kmr_ranges_add(&changed, o->start, o->end);
				o = mt_find(&pmm->sh, &idx, hi - 1);
			}
			vma = vma_find(&vmi, hi - 1);
		} else {
			kmr_ranges_add(&changed, o->start, o->end);
			o = mt_find(&pmm->sh, &idx, hi - 1);
		}
	}
	kmr_ranges_normalize(&changed);
	for (k = 0; k < changed.nr; k++) {
		kmr_ranges_add(win, changed.r[k].start, changed.r[k].end);
		if (!kmr_vsh_replace(pmm, mm, changed.r[k].start,
				     changed.r[k].end))
			return false;
	}
	return true;
}
