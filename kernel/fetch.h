/* SPDX-License-Identifier: GPL-2.0 */
/*
 * kmemfetch inside kmemrec.ko: reading and writing another process's
 * memory (KMR_IOC_MEM, pread/pwrite on the session fd) and walking its page
 * tables (KMR_IOC_WALK, KMR_IOC_PAGE).  The dispatch points are declared in
 * kmemrec.h; this header joins the fetch*.c files: fetch.c (dispatch),
 * fetch_target.c, fetch_mem_walk.c, fetch_mem_gup.c and fetch_walk.c.
 *
 * Two ways to reach the target's pages:
 *
 *   walk mode (KMR_MEM_WALK, fetch_mem_walk.c): one 4 KiB page at most,
 *     found by the manual pgd/p4d/pud/pmd/pte walk of pgwalk.c.  Never faults
 *     anything in and never writes through an entry without the write bit:
 *     not present, read-only (including a CoW-shared page after fork) or
 *     no struct page => -EFAULT.  A huge leaf (PMD THP, PUD) is accessed
 *     only within the 4 KiB page that contains the address.
 *
 *   GUP mode (KMR_MEM_GUP, pread/pwrite, fetch_mem_gup.c):
 *     get_user_pages_remote() called once per call for the whole range,
 *     so faults, CoW breaks (a write after fork lands in the target's own
 *     copy) and FOLL_FORCE (KMR_MEM_F_FORCE: write a read-only private
 *     mapping such as a string literal) behave as for ptrace.  At most KMR_GUP_READ_PAGES pages are
 *     read and KMR_GUP_WRITE_PAGES written per call; fewer pages than asked
 *     (GUP stopped at a hole) shorten the copy.
 *
 * Writes never copy from the caller's buffer while the target's locks are
 * held (the buffer may live in the target's own mm; /proc/pid/mem bounces
 * for the same reason): the bytes are copied into a kernel buffer first and
 * stored into the pages under mmap_lock (GUP mode: so a concurrent fork()
 * cannot share the page between the two steps) or under the page-table
 * lock (walk mode: so the write bit checked is the one in force).  Every
 * write is reported as KMR_EV_MEM_WRITE to every session tracing the mm.
 */
#ifndef _KMR_FETCH_H
#define _KMR_FETCH_H

#include <linux/mm_types.h>
#include <linux/types.h>
#include "kmemrec.h"

/* Per-call caps of GUP mode (document: abi.h's kmr_mem.done). */
#define KMR_GUP_READ_PAGES	1024u	/* 4 MiB */
#define KMR_GUP_WRITE_PAGES	256u	/* 1 MiB through a kernel buffer */

/*
 * fetch_target.c: the mm of @pid (0 = the session's attached target) with an
 * mm_users reference, after the ptrace-attach permission check (nonzero
 * pid), or ERR_PTR(-ESRCH / -EPERM / -EINTR).
 */
struct mm_struct *kmr_mem_get_mm(struct kmr_session *s, u32 pid);

/*
 * True when kmemfetch may touch @vma's pages through the kernel mapping:
 * no VM_IO/VM_PFNMAP (device memory, no struct page semantics) and not
 * memfd_secret (its pages are removed from the kernel's direct map).
 */
bool kmr_mem_vma_ok(struct vm_area_struct *vma);

/* Report a write of @len bytes at @addr to every session tracing @mm. */
void kmr_mem_note_write(struct mm_struct *mm, unsigned long addr, u64 len,
			enum kmr_mem_mode mode);

/*
 * fetch_mem_walk.c: walk mode.  Copies between @ubuf and the target at most
 * up to the end of the 4 KiB page holding @addr; *@done gets the bytes copied.
 * Returns 0 or -EFAULT (not present, not writable, bad buffer), -EINTR.
 */
int kmr_mem_walk_access(struct mm_struct *mm, unsigned long addr,
			void __user *ubuf, size_t len, bool write,
			size_t *done);

/*
 * fetch_mem_gup.c: GUP mode, one get_user_pages_remote() call.  @flags:
 * KMR_MEM_F_*.  Copies at most KMR_GUP_{READ,WRITE}_PAGES pages; *@done
 * gets the bytes copied (may be short with 0 returned).  Returns 0, GUP's
 * errno when it pinned nothing, or -EFAULT for a bad caller buffer.
 */
int kmr_mem_gup_access(struct mm_struct *mm, unsigned long addr,
		       void __user *ubuf, size_t len, u32 flags, size_t *done);

#endif /* _KMR_FETCH_H */
