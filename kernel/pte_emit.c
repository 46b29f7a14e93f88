// SPDX-License-Identifier: GPL-2.0
/*
 * KMR_EV_PTE emission: runs of non-none entries, one record per run, each
 * reserved (and so numbered) while the page table's lock is held.  A run
 * never crosses a page table, so it is at most 512 entries (4128 bytes).
 * Every walk runs under a lock that keeps its page tables (pgwalk.h).
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/swap.h>
#include <linux/swapops.h>
#include "emit.h"
#include "pgwalk.h"

/* none, or a marker standing in for none (uffd-wp, poison). */
static bool kmr_pte_empty(pte_t pte)
{
	return pte_none(pte) || is_pte_marker(pte);
}

/*
 * One record from @vals, or from @ptep (encoded now, under the PTL).  It
 * carries @ec->fault when that fault's address lies in the run.
 */
static int kmr_pte_put(struct kmr_emit_ctx *ec, unsigned long vaddr,
		       unsigned int nr, unsigned int shift, const u64 *vals,
		       pte_t *ptep)
{
	const struct kmr_fault_info *f = ec->fault;
	unsigned int size = sizeof(struct kmr_ev_pte) + nr * sizeof(u64);
	u32 flags = ec->cause;
	struct kmr_ev_pte *e;
	struct kmr_rsv r;
	unsigned int i;

	if (f && (f->vaddr < vaddr || (f->vaddr - vaddr) >> shift >= nr))
		f = NULL;
	if (f) {
		size += sizeof(*f);
		flags |= KMR_PTE_F_FAULT;
	}
	e = kmr_reserve_flags(ec->s, &r, KMR_EV_PTE, size, flags, ec->rflags);
	if (!e) {
		if (ec->rflags & KMR_RSV_NODROP)
			return -EAGAIN;
		if (f) {
			/* the record stood for two: its FAULT is lost too */
			ec->fault = NULL;
			kmr_note_lost(ec->s, BIT_ULL(KMR_EV_FAULT), 1);
		}
		return -ENOBUFS;
	}
	e->vaddr = vaddr;
	e->nr = nr;
	e->shift = shift;
	for (i = 0; i < nr; i++) {
		u64 v = vals ? vals[i] : kmr_pte_entry(ptep_get(ptep + i));

		if (!ec->s->show_pfn)
			v &= ~KMR_PTE_PFN_MASK;
		e->entry[i] = v;
		if (KMR_PTE_FLAGS(v) & KMR_PTE_PRESENT)
			ec->present++;
	}
	if (f) {
		memcpy(&e->entry[nr], f, sizeof(*f));
		ec->fault = NULL;
	}
	ec->entries += nr;
	kmr_commit(ec->s, &r);
	return 0;
}

static int kmr_pte_emit_table(struct kmr_emit_ctx *ec,
			      struct kmr_pgwalk_chunk *c)
{
	unsigned int i = 0, j;
	int ret;

	while (i < c->nr) {
		while (i < c->nr && kmr_pte_empty(ptep_get(c->ptep + i)))
			i++;
		for (j = i; j < c->nr; j++)
			if (kmr_pte_empty(ptep_get(c->ptep + j)))
				break;
		if (j == i)
			break;
		ret = kmr_pte_put(ec, c->addr + ((unsigned long)i << PAGE_SHIFT),
				  j - i, PAGE_SHIFT, NULL, c->ptep + i);
		if (ret) {
			c->resume = c->addr + ((unsigned long)i << PAGE_SHIFT);
			return ret;
		}
		i = j;
	}
	return 0;
}

static int kmr_pte_emit_chunk(struct kmr_pgwalk_chunk *c, void *priv)
{
	struct kmr_emit_ctx *ec = priv;
	u64 v;
	int ret;

	if (c->shift == PAGE_SHIFT)
		return kmr_pte_emit_table(ec, c);
	v = c->shift == PMD_SHIFT ? kmr_pmd_entry(c->pmd) : kmr_pud_entry(c->pud);
	if (!v)
		return 0;
	ret = kmr_pte_put(ec, c->addr, 1, c->shift, &v, NULL);
	if (ret)
		c->resume = c->addr;
	return ret;
}

int kmr_pte_emit_range(struct kmr_emit_ctx *ec, struct mm_struct *mm,
		       unsigned long start, unsigned long end,
		       unsigned long *next, unsigned int wflags)
{
	return kmr_pgwalk_range_flags(mm, start, end, kmr_pte_emit_chunk, ec,
				      next, wflags);
}

/* The clipped range of @s's PTE records, false when none is wanted. */
static bool kmr_wants_ptes(const struct kmr_session *s, unsigned long *start,
			   unsigned long *end)
{
	return (s->event_mask & KMR_MASK_PTE) && kmr_clip(s, start, end);
}

/* Emit [start, end) (already clipped); entries emitted, or an errno. */
static long kmr_emit_ptes(struct kmr_session *s, struct mm_struct *mm,
			  unsigned long start, unsigned long end,
			  enum kmr_pte_cause cause, unsigned int wflags)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };
	int ret = kmr_pte_emit_range(&ec, mm, start, end, NULL, wflags);

	return ret ? ret : ec.entries;
}

long kmr_emit_pte_range(struct kmr_session *s, struct mm_struct *mm,
			unsigned long start, unsigned long end,
			enum kmr_pte_cause cause)
{
	if (!kmr_wants_ptes(s, &start, &end))
		return 0;
	return kmr_emit_ptes(s, mm, start, end, cause, 0);
}

long kmr_emit_pte_range_trylock(struct kmr_session *s, struct mm_struct *mm,
				unsigned long start, unsigned long end,
				enum kmr_pte_cause cause)
{
	long ret;

	if (!kmr_wants_ptes(s, &start, &end))
		return 0;
	if (!mmap_read_trylock(mm)) {
		/* Nothing may be walked without it: lost, a resync repairs. */
		kmr_ring_drop(s, KMR_EV_PTE);
		return -EBUSY;
	}
	ret = kmr_emit_ptes(s, mm, start, end, cause, KMR_PGW_IN_VMAS);
	mmap_read_unlock(mm);
	return ret;
}

/* The fault not sent inside a PTE record (none wanted or found): alone. */
static void kmr_fault_rest(struct kmr_emit_ctx *ec)
{
	const struct kmr_fault_info *f = ec->fault;

	if (f)
		kmr_emit_fault(ec->s, f->vaddr, f->ip, f->fault_flags, f->tid);
}

static long kmr_pte_one_ec(struct kmr_emit_ctx *ec, struct mm_struct *mm,
			   unsigned long addr)
{
	unsigned long end = addr + 1;
	int ret;

	if (!kmr_wants_ptes(ec->s, &addr, &end))
		return 0;
	ret = kmr_pgwalk_one(mm, addr, kmr_pte_emit_chunk, ec);
	return ret ? ret : ec->entries;
}

long kmr_emit_pte_one(struct kmr_session *s, struct mm_struct *mm,
		      unsigned long addr, enum kmr_pte_cause cause)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };

	return kmr_pte_one_ec(&ec, mm, addr);
}

long kmr_emit_pte_one_fault(struct kmr_session *s, struct mm_struct *mm,
			    unsigned long addr, enum kmr_pte_cause cause,
			    const struct kmr_fault_info *f)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };
	long ret;

	if (kmr_wants_fault(s, f->vaddr))
		ec.fault = f;
	ret = kmr_pte_one_ec(&ec, mm, addr);
	kmr_fault_rest(&ec);
	return ret;
}

static void kmr_pte_vals_ec(struct kmr_emit_ctx *ec, unsigned long vaddr,
			    unsigned int nr, unsigned int shift,
			    const u64 *entries)
{
	struct kmr_session *s = ec->s;
	const unsigned int max = (KMR_REC_MAX - sizeof(struct kmr_ev_pte) -
				  sizeof(struct kmr_fault_info)) / sizeof(u64);
	unsigned long size = 1UL << shift;

	if (!(s->event_mask & KMR_MASK_PTE) || WARN_ON_ONCE(shift >= 64))
		return;
	/* Drop the entries outside the traced range, whole entries only. */
	while (nr && vaddr + size <= s->start) {
		vaddr += size;
		entries++;
		nr--;
	}
	if (nr && vaddr < s->end)
		nr = min_t(u64, nr, DIV_ROUND_UP(s->end - vaddr, size));
	else
		nr = 0;
	while (nr) {
		unsigned int n = min(nr, max);

		if (kmr_pte_put(ec, vaddr, n, shift, entries, NULL))
			return;
		vaddr += n * size;
		entries += n;
		nr -= n;
	}
}

void kmr_emit_pte_vals(struct kmr_session *s, unsigned long vaddr,
		       unsigned int nr, unsigned int shift, const u64 *entries,
		       enum kmr_pte_cause cause)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };

	kmr_pte_vals_ec(&ec, vaddr, nr, shift, entries);
}

/* Any other case of kmr_emit_pte_val_fault(): the general emitter. */
static noinline void kmr_emit_pte_val_fault_slow(struct kmr_session *s,
						 unsigned long vaddr,
						 u64 entry,
						 enum kmr_pte_cause cause,
						 const struct kmr_fault_info *f)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };

	if (kmr_wants_fault(s, f->vaddr))
		ec.fault = f;
	kmr_pte_vals_ec(&ec, vaddr, 1, PAGE_SHIFT, &entry);
	kmr_fault_rest(&ec);
}

/*
 * The fault's own 4 KiB page with its FAULT inside, from the rmap hook:
 * every anonymous fault sends this record (issue 10).  When the page is
 * wholly in the traced range and both kinds are recorded (the usual
 * session), kmr_ring_put_pte_fault() (ring.c) writes the record with its
 * reservation inline; kmr_pte_put() would reach the same bytes through
 * its clipping, its loop over entries and its context (~120 instructions
 * more per fault on 6.1, kmr_prof).
 */
void kmr_emit_pte_val_fault(struct kmr_session *s, unsigned long vaddr,
			    u64 entry, enum kmr_pte_cause cause,
			    const struct kmr_fault_info *f)
{
	const u64 both = KMR_MASK_PTE | KMR_MASK_FAULT;

	if (unlikely((s->event_mask & both) != both || vaddr < s->start ||
		     vaddr + PAGE_SIZE > s->end ||
		     f->vaddr - vaddr >= PAGE_SIZE)) {
		kmr_emit_pte_val_fault_slow(s, vaddr, entry, cause, f);
		return;
	}
	if (!kmr_ring_put_pte_fault(s, vaddr,
				    s->show_pfn ? entry :
						  entry & ~KMR_PTE_PFN_MASK,
				    cause, f))
		/* the record stood for two: its FAULT is lost too */
		kmr_note_lost(s, BIT_ULL(KMR_EV_FAULT), 1);
}
