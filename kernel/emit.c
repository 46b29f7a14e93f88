// SPDX-License-Identifier: GPL-2.0
/*
 * Typed emitters for the hooks: one record each, after the mask and range
 * checks.  Every field of a record is written: the ring holds stale bytes.
 */
#include <linux/highmem.h>
#include <linux/xxhash.h>
#include "emit.h"

static bool kmr_wants_addr(const struct kmr_session *s, u64 mask,
			   unsigned long addr)
{
	return (s->event_mask & mask) && addr >= s->start && addr < s->end;
}

void *kmr_emit_reserve(struct kmr_emit_ctx *ec, struct kmr_rsv *r,
		       unsigned int kind, unsigned int size, u32 flags)
{
	void *rec;

	for (;;) {
		rec = kmr_reserve_flags(ec->s, r, kind, size, flags,
					ec->rflags);
		if (rec || !(ec->rflags & KMR_RSV_NODROP))
			return rec;
		if (kmr_emit_wait(ec))
			ec->rflags &= ~KMR_RSV_NODROP;
	}
}

int kmr_emit_wait(struct kmr_emit_ctx *ec)
{
	int ret = kmr_ring_wait_room(ec->s);

	if (ret)
		ec->rflags &= ~KMR_RSV_NODROP;
	return ret;
}

void kmr_emit_fault(struct kmr_session *s, unsigned long vaddr,
		    unsigned long ip, u32 fault_flags, u32 tid)
{
	struct kmr_ev_fault *e;
	struct kmr_rsv r;

	if (!kmr_wants_addr(s, KMR_MASK_FAULT, vaddr))
		return;
	e = kmr_reserve(s, &r, KMR_EV_FAULT, sizeof(*e), 0);
	if (!e)
		return;
	e->vaddr = vaddr;
	e->ip = ip;
	e->fault_flags = fault_flags;
	e->tid = tid;
	kmr_commit(s, &r);
}

/*
 * KMR_EV_PAGE_DATA for the page a CoW just filled (mask KMR_MASK_PAGE_COW;
 * KMR_MASK_PAGE_COW_HASH sends the xxh64 instead of the bytes), once
 * kmr_emit_cow() has seen the session ask for it.  Out of line: rarely
 * asked for, and the copy or hash is large.  The caller holds a reference
 * on @page or its PTL.
 */
static noinline void kmr_emit_cow_page_data(struct kmr_session *s,
					    unsigned long vaddr,
					    struct page *page)
{
	bool hash = s->event_mask & KMR_MASK_PAGE_COW_HASH;
	u32 flags = KMR_PAGE_DATA_COW;
	u32 len = hash ? sizeof(u64) : PAGE_SIZE;
	struct kmr_ev_page_data *e;
	struct kmr_rsv r;
	u64 digest = 0;
	void *kaddr;

	if (hash) {
		/* Hash before reserving: IRQs are off between reserve/commit. */
		kaddr = kmap_local_page(page);
		digest = xxh64(kaddr, PAGE_SIZE, 0);
		kunmap_local(kaddr);
		flags |= KMR_PAGE_DATA_HASH;
	}
	e = kmr_reserve(s, &r, KMR_EV_PAGE_DATA, sizeof(*e) + len, flags);
	if (!e)
		return;
	e->vaddr = vaddr & PAGE_MASK;
	e->pfn = s->show_pfn ? page_to_pfn(page) : 0;
	e->len = len;
	e->__pad = 0;
	if (hash) {
		memcpy(e->data, &digest, sizeof(digest));
	} else {
		kaddr = kmap_local_page(page);
		memcpy(e->data, kaddr, PAGE_SIZE);
		kunmap_local(kaddr);
	}
	kmr_commit(s, &r);
}

void kmr_emit_cow(struct kmr_session *s, unsigned long vaddr, u64 old_pfn,
		  u64 new_pfn, u32 tid, u32 cow_flags)
{
	if (kmr_wants_addr(s, KMR_MASK_COW, vaddr)) {
		/* Physical addresses only for a CAP_SYS_ADMIN opener (abi.h). */
		kmr_ring_put_cow(s, vaddr, s->show_pfn ? old_pfn : 0,
				 s->show_pfn ? new_pfn : 0, tid, cow_flags);
	}
	if (unlikely(kmr_wants_addr(s, KMR_MASK_PAGE_COW |
					 KMR_MASK_PAGE_COW_HASH, vaddr)))
		kmr_emit_cow_page_data(s, vaddr, pfn_to_page(new_pfn));
}

void kmr_emit_pte_unmap(struct kmr_session *s, unsigned long start,
			unsigned long end, enum kmr_unmap_reason reason)
{
	struct kmr_ev_pte_unmap *e;
	struct kmr_rsv r;

	if (!(s->event_mask & KMR_MASK_PTE) || !kmr_clip(s, &start, &end))
		return;
	e = kmr_reserve(s, &r, KMR_EV_PTE_UNMAP, sizeof(*e), reason);
	if (!e)
		return;
	e->start = start;
	e->end = end;
	kmr_commit(s, &r);
}

/* Fork changes the parent's PTEs: it is part of the PTE stream. */
void kmr_emit_fork(struct kmr_session *s, u32 child_pid, u32 flags)
{
	struct kmr_ev_fork *e;
	struct kmr_rsv r;

	if (!(s->event_mask & KMR_MASK_PTE) && !s->follow)
		return;
	/*
	 * A follower's FORK names a child that waits for the recorder: let it
	 * use the ring's slack rather than be dropped with the records around
	 * it.
	 */
	e = kmr_reserve_flags(s, &r, KMR_EV_FORK, sizeof(*e), flags,
			      s->follow ? KMR_RSV_LAST : 0);
	if (!e)
		return;
	e->child_pid = child_pid;
	e->__pad = 0;
	kmr_commit(s, &r);
	/*
	 * A held child waits for the recorder to read this: wake it now, not
	 * when the ring reaches its watermark (the drain loop would see it
	 * only at its next poll timeout, up to 100 ms per child).
	 */
	if (flags & KMR_FORK_F_HELD)
		kmr_ring_kick(s);
}

void kmr_emit_signal(struct kmr_session *s, int signo, int code, u64 addr,
		     u32 tid, u32 flags)
{
	struct kmr_ev_signal *e;
	struct kmr_rsv r;

	/* no slack kept back: it is one of a stream's last records */
	e = kmr_reserve_flags(s, &r, KMR_EV_SIGNAL, sizeof(*e), flags,
			      KMR_RSV_LAST);
	if (!e)
		return;
	e->signo = signo;
	e->code = code;
	e->addr = addr;
	e->tid = tid;
	e->__pad = 0;
	kmr_commit(s, &r);
	kmr_ring_kick(s);
}

void kmr_emit_mem_write(struct kmr_session *s, unsigned long vaddr, u64 len,
			u32 writer_pid, enum kmr_mem_mode mode)
{
	struct kmr_ev_mem_write *e;
	struct kmr_rsv r;

	if (!kmr_wants_addr(s, KMR_MASK_MEM_WRITE, vaddr))
		return;
	e = kmr_reserve(s, &r, KMR_EV_MEM_WRITE, sizeof(*e), 0);
	if (!e)
		return;
	e->vaddr = vaddr;
	e->len = len;
	e->writer_pid = writer_pid;
	e->mode = mode;
	kmr_commit(s, &r);
}

void kmr_emit_exec(struct kmr_session *s, const char *filename)
{
	u32 len = filename ? strnlen(filename, KMR_NAME_MAX) : 0;
	u32 size = sizeof(struct kmr_ev_exec) +
		   (len ? ALIGN(len + 1, KMR_EV_ALIGN) : 0);
	struct kmr_ev_exec *e;
	struct kmr_rsv r;

	e = kmr_reserve(s, &r, KMR_EV_EXEC, size, 0);
	if (!e)
		return;
	e->filename_len = len;
	memset(e->__pad, 0, sizeof(e->__pad));
	if (len)
		memcpy(e->filename, filename, len);
	memset(e->filename + len, 0, size - sizeof(*e) - len);
	kmr_commit(s, &r);
}

/* The session's last record: it may use the slack every ring keeps. */
void kmr_emit_exit(struct kmr_session *s, int code, u32 flags)
{
	struct kmr_ev_exit *e;
	struct kmr_rsv r;

	e = kmr_reserve_flags(s, &r, KMR_EV_EXIT, sizeof(*e), flags,
			      KMR_RSV_LAST);
	if (!e)
		return;
	e->exit_code = code;
	e->__pad = 0;
	kmr_commit(s, &r);
	kmr_ring_kick(s);
}
