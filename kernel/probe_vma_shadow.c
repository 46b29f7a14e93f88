// SPDX-License-Identifier: GPL-2.0
/*
 * The VMA shadow of a traced mm: what the session's consumers were last
 * told about each VMA, in an rbtree by start (the ranges never overlap, so
 * their ends are in the same order), so the commit point (probe_vma.c) can
 * diff one address range in O(log n + k) instead of walking every VMA.
 * Used only with the mm's mmap_lock held for write (or, at init, before the
 * mm is listed), from hooks: allocations are GFP_ATOMIC, and a failure only
 * costs a full resend.
 *
 * Why not a maple tree, as the mm's own VMAs are (issue 10): every store
 * into one rewrites a node (mtree_store_range() takes the tree's lock,
 * preallocates and copies), and a munmap + mmap pair made four of them.
 * Per commit of kb_vmacost's mmap/munmap churn the diff cost 5,405
 * instructions on 6.1 (4,105 on 6.12); an rbtree node lives in the entry,
 * inserting and erasing one allocates nothing, and a replaced entry is
 * reused for its successor.  The mm's VMAs are still read through the
 * kernel's own iterators.
 */
#include <linux/mm.h>
#include <linux/rbtree.h>
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

static struct kmr_vshadow *kmr_vsh_of(struct rb_node *n)
{
	return n ? rb_entry(n, struct kmr_vshadow, rb) : NULL;
}

/* The lowest entry that ends above @addr (and may start above it), or NULL. */
static struct kmr_vshadow *kmr_vsh_after(struct kmr_pmm *pmm,
					 unsigned long addr)
{
	struct rb_node *n = pmm->sh.rb_node;
	struct kmr_vshadow *best = NULL;

	while (n) {
		struct kmr_vshadow *v = kmr_vsh_of(n);

		if (v->end > addr) {
			best = v;
			n = n->rb_left;
		} else {
			n = n->rb_right;
		}
	}
	return best;
}

/* The first entry overlapping [lo, hi), or NULL. */
static struct kmr_vshadow *kmr_vsh_first(struct kmr_pmm *pmm,
					 unsigned long lo, unsigned long hi)
{
	struct kmr_vshadow *v = kmr_vsh_after(pmm, lo);

	return v && v->start < hi ? v : NULL;
}

/* The entry after @v if it still starts below @hi, or NULL. */
static struct kmr_vshadow *kmr_vsh_next(struct kmr_vshadow *v,
					unsigned long hi)
{
	v = kmr_vsh_of(rb_next(&v->rb));
	return v && v->start < hi ? v : NULL;
}

/* @v must not overlap any entry: the callers removed what was there. */
static void kmr_vsh_insert(struct kmr_pmm *pmm, struct kmr_vshadow *v)
{
	struct rb_node **link = &pmm->sh.rb_node, *parent = NULL;

	while (*link) {
		parent = *link;
		if (v->start < kmr_vsh_of(parent)->start)
			link = &parent->rb_left;
		else
			link = &parent->rb_right;
	}
	rb_link_node(&v->rb, parent, link);
	rb_insert_color(&v->rb, &pmm->sh);
}

/* @spare: an entry to reuse before allocating, taken (set NULL) if used. */
static int kmr_vsh_store(struct kmr_pmm *pmm, struct vm_area_struct *vma,
			 struct kmr_vshadow **spare, gfp_t gfp)
{
	struct kmr_vshadow *v = *spare;

	if (v)
		*spare = NULL;
	else
		v = kmalloc(sizeof(*v), gfp | __GFP_NOWARN);
	if (!v)
		return -ENOMEM;
	kmr_vsh_fill(v, vma);
	kmr_vsh_insert(pmm, v);
	return 0;
}

static void kmr_vsh_clear(struct kmr_pmm *pmm)
{
	struct kmr_vshadow *v, *tmp;

	rbtree_postorder_for_each_entry_safe(v, tmp, &pmm->sh, rb)
		kfree(v);
	pmm->sh = RB_ROOT;
}

int kmr_vma_shadow_init(struct kmr_pmm *pmm, struct mm_struct *mm)
{
	struct kmr_vshadow *spare = NULL;
	struct vma_iterator vmi;
	struct vm_area_struct *vma;
	int ret;

	mmap_assert_write_locked(mm);
	/* a pmm whose last session detached may come back with its shadow */
	kmr_vsh_clear(pmm);
	vma_iter_init(&vmi, mm, 0);
	for_each_vma(vmi, vma) {
		ret = kmr_vsh_store(pmm, vma, &spare, GFP_KERNEL);
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
		unsigned long nlo = *lo, nhi = *hi;
		struct vm_area_struct *vma;
		struct kmr_vshadow *o;

		o = kmr_vsh_first(pmm, *lo, *hi);
		if (o)
			nlo = min(nlo, o->start);
		o = kmr_vsh_first(pmm, *hi - 1, *hi);
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

/* Add the parts of [start, end) no shadow entry covers to @fresh. */
static void kmr_uncovered(struct kmr_pmm *pmm, unsigned long start,
			  unsigned long end, struct kmr_ranges *fresh)
{
	unsigned long cur = start;
	struct kmr_vshadow *o;

	for (o = kmr_vsh_first(pmm, start, end); o; o = kmr_vsh_next(o, end)) {
		if (o->start > cur)
			kmr_ranges_add(fresh, cur, o->start);
		cur = max(cur, o->end);
		if (cur >= end)
			return;
	}
	if (cur < end)
		kmr_ranges_add(fresh, cur, end);
}

/*
 * Replace the shadow's entries in [start, end) with the mm's VMAs, reusing
 * the last entry taken out for the first VMA stored (a munmap or an mmap
 * replaces one by at most one; the others are freed and allocated).  No
 * entry crosses @start or @end (the region was grown to whole extents, old
 * and new).
 */
static bool kmr_vsh_replace(struct kmr_pmm *pmm, struct mm_struct *mm,
			    unsigned long start, unsigned long end)
{
	struct kmr_vshadow *o, *next, *spare = NULL;
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	bool ok = true;

	for (o = kmr_vsh_first(pmm, start, end); o; o = next) {
		next = kmr_vsh_next(o, end);
		rb_erase(&o->rb, &pmm->sh);
		kfree(spare);
		spare = o;
	}
	vma_iter_init(&vmi, mm, start);
	for_each_vma_range(vmi, vma, end)
		if (kmr_vsh_store(pmm, vma, &spare, GFP_ATOMIC)) {
			ok = false;
			break;
		}
	kfree(spare);
	return ok;
}

bool kmr_vma_shadow_diff(struct kmr_pmm *pmm, struct mm_struct *mm,
			 unsigned long lo, unsigned long hi, bool whole,
			 struct kmr_ranges *win, struct kmr_ranges *fresh)
{
	struct kmr_ranges changed = { 0 };
	struct vm_area_struct *vma;
	struct vma_iterator vmi;
	struct kmr_vshadow *o, n;
	unsigned int k;

	kmr_grow_region(pmm, mm, &lo, &hi);
	o = kmr_vsh_first(pmm, lo, hi);
	vma_iter_init(&vmi, mm, lo);
	vma = vma_find(&vmi, hi - 1);
	while (o || vma) {
		if (vma)
			kmr_vsh_fill(&n, vma);
		if (o && vma && kmr_vsh_same(o, &n)) {
			o = kmr_vsh_next(o, hi);
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
				o = kmr_vsh_next(o, hi);
			}
			vma = vma_find(&vmi, hi - 1);
		} else {
			kmr_ranges_add(&changed, o->start, o->end);
			o = kmr_vsh_next(o, hi);
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
