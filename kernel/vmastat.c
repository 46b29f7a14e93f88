// SPDX-License-Identifier: GPL-2.0
/*
 * Per-VMA fault and CoW counters (the seed's pf_stat) behind KMR_IOC_STATS.
 *
 * Hooks count by the VMA's start address at the time of the event, into a
 * fixed open-addressing table claimed with cmpxchg: no lock, no allocation
 * on the hot path.  STATS then sums, for each current VMA, every key that
 * falls inside it, so counts follow merges and stay with the part holding
 * the old start after a split.  Keys that find no free slot within
 * KMR_VSTAT_PROBE probes only reach the session totals.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/hash.h>
#include <linux/uaccess.h>
#include "ring.h"
#include "session.h"

#define KMR_VSTAT_BITS		11
#define KMR_VSTAT_SLOTS		BIT(KMR_VSTAT_BITS)
#define KMR_VSTAT_PROBE		32

struct kmr_vstat_slot {
	atomic64_t key;		/* vm_start | 1; 0 = free */
	atomic64_t faults;
	atomic64_t major;
	atomic64_t write;
	atomic64_t cow;
};

struct kmr_vmastat {
	struct kmr_vstat_slot slot[KMR_VSTAT_SLOTS];
};

struct kmr_vmastat *kmr_vmastat_alloc(void)
{
	return kvzalloc(sizeof(struct kmr_vmastat), GFP_KERNEL);
}

void kmr_vmastat_free(struct kmr_vmastat *vs)
{
	kvfree(vs);
}

/* exec: the old image's VMAs mean nothing in the new one. */
void kmr_vmastat_clear(struct kmr_vmastat *vs)
{
	unsigned int i;

	for (i = 0; i < KMR_VSTAT_SLOTS; i++) {
		struct kmr_vstat_slot *sl = &vs->slot[i];

		atomic64_set(&sl->faults, 0);
		atomic64_set(&sl->major, 0);
		atomic64_set(&sl->write, 0);
		atomic64_set(&sl->cow, 0);
		atomic64_set(&sl->key, 0);
	}
}

static __always_inline struct kmr_vstat_slot *
kmr_vstat_slot(struct kmr_vmastat *vs, unsigned long vm_start)
{
	s64 key = (s64)(vm_start | 1);
	unsigned int h = hash_long(vm_start, KMR_VSTAT_BITS), i;

	for (i = 0; i < KMR_VSTAT_PROBE; i++) {
		struct kmr_vstat_slot *sl =
			&vs->slot[(h + i) & (KMR_VSTAT_SLOTS - 1)];
		s64 cur = atomic64_read(&sl->key);

		if (cur == key)
			return sl;
		if (!cur) {
			cur = atomic64_cmpxchg(&sl->key, 0, key);
			if (!cur || cur == key)
				return sl;
		}
	}
	return NULL;
}

void kmr_stat_fault(struct kmr_session *s, unsigned long vm_start,
		    u32 fault_flags)
{
	struct kmr_vstat_slot *sl = kmr_vstat_slot(s->vstat, vm_start);
	bool major = fault_flags & KMR_FAULT_MAJOR;

	this_cpu_inc(s->cpu->faults);
	if (major)
		this_cpu_inc(s->cpu->major_faults);
	if (!sl)
		return;
	atomic64_inc(&sl->faults);
	if (major)
		atomic64_inc(&sl->major);
	if (fault_flags & KMR_FAULT_WRITE)
		atomic64_inc(&sl->write);
}

void kmr_stat_cow(struct kmr_session *s, unsigned long vm_start)
{
	struct kmr_vstat_slot *sl = kmr_vstat_slot(s->vstat, vm_start);

	this_cpu_inc(s->cpu->cow);
	if (sl)
		atomic64_inc(&sl->cow);
}

void kmr_stat_mem_write(struct kmr_session *s)
{
	this_cpu_inc(s->cpu->mem_writes);
}

/* The session's counters, summed over its per-CPU shares. */
void kmr_stat_totals(struct kmr_session *s, struct kmr_stats *st)
{
	int cpu;

	st->faults = 0;
	st->major_faults = 0;
	st->cow = 0;
	st->mem_writes = 0;
	for_each_possible_cpu(cpu) {
		const struct kmr_cpu_ring *cr = per_cpu_ptr(s->cpu, cpu);

		st->faults += READ_ONCE(cr->faults);
		st->major_faults += READ_ONCE(cr->major_faults);
		st->cow += READ_ONCE(cr->cow);
		st->mem_writes += READ_ONCE(cr->mem_writes);
	}
}

/* A plain copy of one slot, sortable by start address. */
struct kmr_vstat_row {
	u64 start, faults, major, write, cow;
};

static int kmr_vstat_cmp(const void *a, const void *b)
{
	const struct kmr_vstat_row *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

static unsigned int kmr_vstat_rows(struct kmr_vmastat *vs,
				   struct kmr_vstat_row *rows)
{
	unsigned int i, n = 0;

	for (i = 0; i < KMR_VSTAT_SLOTS; i++) {
		struct kmr_vstat_slot *sl = &vs->slot[i];
		u64 key = atomic64_read(&sl->key);

		if (!key)
			continue;
		rows[n++] = (struct kmr_vstat_row){
			.start = key & PAGE_MASK,
			.faults = atomic64_read(&sl->faults),
			.major = atomic64_read(&sl->major),
			.write = atomic64_read(&sl->write),
			.cow = atomic64_read(&sl->cow),
		};
	}
	sort(rows, n, sizeof(*rows), kmr_vstat_cmp, NULL);
	return n;
}

/* Sum the rows whose start lies in [vma->vm_start, vma->vm_end). */
static void kmr_vstat_sum(const struct kmr_vstat_row *rows, unsigned int n,
			  struct vm_area_struct *vma, struct kmr_vma_stat *out)
{
	unsigned int lo = 0, hi = n;

	while (lo < hi) {
		unsigned int mid = lo + (hi - lo) / 2;

		if (rows[mid].start < vma->vm_start)
			lo = mid + 1;
		else
			hi = mid;
	}
	*out = (struct kmr_vma_stat){ .start = vma->vm_start,
				      .end = vma->vm_end };
	for (; lo < n && rows[lo].start < vma->vm_end; lo++) {
		out->faults += rows[lo].faults;
		out->major_faults += rows[lo].major;
		out->write_faults += rows[lo].write;
		out->cow += rows[lo].cow;
	}
}

static int kmr_vmastat_collect(struct kmr_session *s, struct mm_struct *mm,
			       struct kmr_stats *st, struct kmr_vma_stat **out,
			       u32 *filled)
{
	struct kmr_vstat_row *rows;
	struct vm_area_struct *vma;
	struct kmr_vma_stat *vst = NULL;
	unsigned int nrows;
	u32 count = 0, n = 0;
	int ret;

	rows = kvmalloc_array(KMR_VSTAT_SLOTS, sizeof(*rows), GFP_KERNEL);
	if (!rows)
		return -ENOMEM;
	nrows = kmr_vstat_rows(s->vstat, rows);

	ret = mmap_read_lock_killable(mm);
	if (ret)
		goto free_rows;
	{
		VMA_ITERATOR(it, mm, s->start);

		for_each_vma_range(it, vma, s->end)
			count++;
	}
	if (st->vma_cap && count) {
		vst = kvmalloc_array(min(st->vma_cap, count), sizeof(*vst),
				     GFP_KERNEL);
		if (!vst) {
			ret = -ENOMEM;
			goto unlock;
		}
		{
			VMA_ITERATOR(it, mm, s->start);

			for_each_vma_range(it, vma, s->end) {
				if (n == min(st->vma_cap, count))
					break;
				kmr_vstat_sum(rows, nrows, vma, &vst[n++]);
			}
		}
	}
	st->vma_count = count;
unlock:
	mmap_read_unlock(mm);
free_rows:
	kvfree(rows);
	*out = vst;
	*filled = n;
	return ret;
}

/*
 * Fill @st's per-VMA part from @mm (the caller holds an mm_users
 * reference): every VMA overlapping the traced range, the first vma_cap of
 * them copied to @ubuf (after the target's mmap_lock is dropped: faulting
 * on the caller's memory under it could deadlock a self-trace).
 */
int kmr_vmastat_fill(struct kmr_session *s, struct mm_struct *mm,
		     struct kmr_stats *st, struct kmr_vma_stat __user *ubuf)
{
	struct kmr_vma_stat *vst = NULL;
	u32 filled = 0;
	int ret;

	ret = kmr_vmastat_collect(s, mm, st, &vst, &filled);
	if (!ret && filled &&
	    copy_to_user(ubuf, vst, array_size(filled, sizeof(*vst))))
		ret = -EFAULT;
	kvfree(vst);
	return ret;
}
