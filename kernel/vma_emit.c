// SPDX-License-Identifier: GPL-2.0
/*
 * VMA windows: KMR_EV_VMA_SYNC then one KMR_EV_VMA per VMA overlapping the
 * window, all under the target's mmap_lock, which orders VMA changes.
 */
#include <linux/mm.h>
#include <linux/mmap_lock.h>
#include <linux/percpu.h>
#include <linux/limits.h>
#include "emit.h"

/* d_path() buffers, one per CPU, used with preemption off. */
static char __percpu *kmr_namebuf;

int kmr_vma_emit_init(void)
{
	kmr_namebuf = __alloc_percpu(PATH_MAX, SMP_CACHE_BYTES);
	return kmr_namebuf ? 0 : -ENOMEM;
}

void kmr_vma_emit_exit(void)
{
	free_percpu(kmr_namebuf);
}

static int kmr_vma_put(struct kmr_emit_ctx *ec, struct vm_area_struct *vma,
		       u64 sync_seq)
{
	struct kmr_vma_desc d;
	struct kmr_ev_vma *e;
	struct kmr_rsv r;
	u32 len, size;
	char *buf;

	for (;;) {
		buf = get_cpu_ptr(kmr_namebuf);
		kmr_vma_describe(vma, buf, PATH_MAX, &d);
		len = d.name_len;
		if (len > KMR_NAME_MAX) {
			len = KMR_NAME_MAX;
			d.flags |= KMR_VMA_F_NAME_TRUNC;
		}
		size = sizeof(*e) + (len ? ALIGN(len + 1, KMR_EV_ALIGN) : 0);
		e = kmr_reserve_flags(ec->s, &r, KMR_EV_VMA, size, d.flags,
				      ec->rflags);
		if (e)
			break;
		put_cpu_ptr(kmr_namebuf);
		if (!(ec->rflags & KMR_RSV_NODROP))
			return -ENOBUFS;
		kmr_emit_wait(ec);
	}
	e->sync_seq = sync_seq;
	e->start = vma->vm_start;
	e->end = vma->vm_end;
	e->pgoff = vma->vm_pgoff;
	e->ino = d.ino;
	e->dev = d.dev;
	e->vm_flags = d.vm_flags;
	e->name_len = len;
	memset(e->__pad, 0, sizeof(e->__pad));
	memcpy(e->name, d.name, len);
	memset(e->name + len, 0, size - sizeof(*e) - len);
	kmr_commit(ec->s, &r);
	put_cpu_ptr(kmr_namebuf);
	ec->vmas++;
	return 0;
}

long kmr_vma_window(struct kmr_emit_ctx *ec, struct mm_struct *mm,
		    unsigned long start, unsigned long end)
{
	VMA_ITERATOR(count_it, mm, start);
	VMA_ITERATOR(it, mm, start);
	struct kmr_ev_vma_sync *sync;
	struct vm_area_struct *vma;
	struct kmr_rsv r;
	u32 count = 0, sent = 0;
	u64 sync_seq;
	int ret;

	mmap_assert_locked(mm);
	for_each_vma_range(count_it, vma, end)
		count++;

	sync = kmr_emit_reserve(ec, &r, KMR_EV_VMA_SYNC, sizeof(*sync),
				ec->cause);
	if (!sync)
		return -ENOBUFS;
	sync->start = start;
	sync->end = end;
	sync->count = count;
	sync->__pad = 0;
	sync_seq = sync->h.seq;
	kmr_commit(ec->s, &r);

	for_each_vma_range(it, vma, end) {
		ret = kmr_vma_put(ec, vma, sync_seq);
		if (ret)
			return ret;
		sent++;
	}
	return sent;
}

long kmr_emit_vma_window(struct kmr_session *s, struct mm_struct *mm,
			 unsigned long start, unsigned long end,
			 enum kmr_vma_cause cause)
{
	struct kmr_emit_ctx ec = { .s = s, .cause = cause };

	if (!(s->event_mask & KMR_MASK_VMA) || !kmr_clip(s, &start, &end))
		return 0;
	return kmr_vma_window(&ec, mm, start, end);
}
