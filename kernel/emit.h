/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal emission helpers shared by the hook-facing emitters (emit.c,
 * pte_emit.c, vma_emit.c) and the snapshots (snapshot.c).
 */
#ifndef _KMR_EMIT_H
#define _KMR_EMIT_H

#include "session.h"
#include "ring.h"
#include "pgwalk.h"

/*
 * One emission job.  Hooks use rflags 0: a full ring drops (counted).
 * Snapshots, in process context, use KMR_RSV_NODROP: a full ring makes the
 * job wait for the consumer (kmr_emit_wait()) and retry, and only if that
 * wait fails does the job fall back to dropping.
 */
struct kmr_emit_ctx {
	struct kmr_session *s;
	unsigned int rflags;
	u32 cause;		/* record flags: enum kmr_pte/vma_cause */
	u64 entries;		/* PTE entries emitted */
	u64 present;		/* of which present */
	u32 vmas;		/* VMA records emitted */
	/*
	 * A fault to report inside the PTE record of its page
	 * (KMR_PTE_F_FAULT), cleared once sent or counted lost.
	 */
	const struct kmr_fault_info *fault;
};

/* Does @s record the FAULT of @vaddr? */
static inline bool kmr_wants_fault(const struct kmr_session *s,
				   unsigned long vaddr)
{
	return (s->event_mask & KMR_MASK_FAULT) && vaddr >= s->start &&
	       vaddr < s->end;
}

/* Clip [*start, *end) to the traced range; false when nothing is left. */
static inline bool kmr_clip(const struct kmr_session *s, unsigned long *start,
			    unsigned long *end)
{
	*start = max(*start, s->start);
	*end = min(*end, s->end);
	return *start < *end;
}

/*
 * Reserve for @ec: in NODROP mode wait and retry until it fits or the wait
 * fails (then drop from now on).  Returns NULL when dropped.  May sleep in
 * NODROP mode, so call it with no lock held there.
 */
void *kmr_emit_reserve(struct kmr_emit_ctx *ec, struct kmr_rsv *r,
		       unsigned int kind, unsigned int size, u32 flags);
/* Wait for ring space (emit.c).  0, or an errno and NODROP cleared. */
int kmr_emit_wait(struct kmr_emit_ctx *ec);

/* emit.c: records the core itself sends (exec, exit), never masked. */
void kmr_emit_exec(struct kmr_session *s, const char *filename);
void kmr_emit_exit(struct kmr_session *s, int code, u32 flags);

/* pte_emit.c: walk and emit; -EAGAIN (NODROP, ring full) sets *next. */
int kmr_pte_emit_range(struct kmr_emit_ctx *ec, struct mm_struct *mm,
		       unsigned long start, unsigned long end,
		       unsigned long *next, unsigned int wflags);

/* vma_emit.c: per-CPU name buffers, allocated at module load. */
int kmr_vma_emit_init(void);
void kmr_vma_emit_exit(void);
/* vma_emit.c: a VMA window; caller holds mmap_lock; may wait if NODROP. */
long kmr_vma_window(struct kmr_emit_ctx *ec, struct mm_struct *mm,
		    unsigned long start, unsigned long end);

/* vmaname.c: a VMA as /proc/pid/maps shows it. */
struct kmr_vma_desc {
	const char *name;	/* points into the caller's buffer or static */
	u32 name_len;
	u32 flags;		/* KMR_VMA_F_* */
	u32 vm_flags;		/* KMR_VM_* */
	u32 dev;
	u64 ino;
};

void kmr_vma_describe(struct vm_area_struct *vma, char *buf, int buflen,
		      struct kmr_vma_desc *d);

#endif /* _KMR_EMIT_H */
