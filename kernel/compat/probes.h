/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel-version differences the hooks (probes*.c) depend on: which
 * functions exist to be hooked, how an ftrace_ops handler reads arguments,
 * and the notifier event names.  Every version test of the probes lives
 * here; each name below was checked in the guests' /proc/kallsyms and
 * tracing/available_filter_functions (6.1.0-56, 6.12.117+deb12).
 * KMR_KV is major * 100 + minor, set by probes.mk.
 */
#ifndef KMR_KV
#error "KMR_KV must be set by the build (probes.mk)"
#endif
#ifndef _KMR_COMPAT_PROBES_H
#define _KMR_COMPAT_PROBES_H

#include <linux/ftrace.h>
#include <linux/mm.h>
#include <linux/rethook.h>
#include <linux/rwsem.h>
#include <linux/sched.h>

/*
 * Argument @n (0-based) of the function an ftrace_ops handler was entered
 * for.  6.1's x86 struct ftrace_regs is a pt_regs; 6.12 hides it behind
 * accessors.  Both need DYNAMIC_FTRACE_WITH_ARGS (set in Debian's configs).
 */
static __always_inline unsigned long kmr_farg(struct ftrace_regs *fregs,
					      unsigned int n)
{
#ifdef ftrace_regs_get_argument
	return ftrace_regs_get_argument(fregs, n);
#else
	return regs_get_kernel_argument(&fregs->regs, n);
#endif
}

/*
 * The new-anonymous-page rmap hook (runs under the PTL just before the PTE
 * is set) and the file/fault-around PTE setter.  6.1: per page; 6.12: per
 * folio and per run of PTEs.
 *   6.1:  page_add_new_anon_rmap(page, vma, addr)
 *         do_set_pte(vmf, page, addr)
 *   6.12: folio_add_new_anon_rmap(folio, vma, addr, flags)
 *         set_pte_range(vmf, folio, page, nr, addr)
 */
#if KMR_KV >= 608
#define KMR_SYM_ANON_RMAP	"folio_add_new_anon_rmap"
#define KMR_SYM_SET_PTE		"set_pte_range"
#define KMR_ANON_RMAP_IS_FOLIO	1
#define KMR_SET_PTE_HAS_NR	1
#else
#define KMR_SYM_ANON_RMAP	"page_add_new_anon_rmap"
#define KMR_SYM_SET_PTE		"do_set_pte"
#define KMR_ANON_RMAP_IS_FOLIO	0
#define KMR_SET_PTE_HAS_NR	0
#endif

/* First pfn and page count of the rmap hook's first argument. */
static inline void kmr_anon_rmap_arg(unsigned long arg0, unsigned long *pfn,
				     unsigned long *nr)
{
#if KMR_ANON_RMAP_IS_FOLIO
	struct folio *folio = (struct folio *)arg0;

	*pfn = folio_pfn(folio);
	*nr = folio_nr_pages(folio);
#else
	struct page *page = (struct page *)arg0;

	*pfn = page_to_pfn(page);
	*nr = PageCompound(page) ? compound_nr(page) : 1;
#endif
}

/* The PTE setter's (first pfn, count, address). */
static inline void kmr_set_pte_args(struct ftrace_regs *fregs,
				    unsigned long *nr, unsigned long *addr)
{
#if KMR_SET_PTE_HAS_NR
	*nr = kmr_farg(fregs, 3);
	*addr = kmr_farg(fregs, 4);
#else
	*nr = 1;
	*addr = kmr_farg(fregs, 2);
#endif
}

/*
 * True when the current task holds @sem for write.  A writer stores itself
 * in ->owner (readers set RWSEM_READER_OWNED, bit 0, and leave stale
 * values), so "owner == current with bit 0 clear" means write-held by us.
 * Both kernels keep ->owner in struct rw_semaphore unconditionally.
 */
static inline bool kmr_rwsem_write_held_by_current(struct rw_semaphore *sem)
{
	unsigned long owner = atomic_long_read(&sem->owner);

	/* count bit 0 is RWSEM_WRITER_LOCKED (kernel/locking/rwsem.c) */
	return (atomic_long_read(&sem->count) & 1L) &&
	       (owner & ~7UL) == (unsigned long)current && !(owner & 1UL);
}

/*
 * VMA operations whose entry tells which address range they change (hints
 * that let the commit point diff only that range).  How to read the range:
 *   KMR_HINT_END:   args @a, @b are start, end
 *   KMR_HINT_LEN:   args @a, @b are start, length
 *   KMR_HINT_STACK: arg @a is the VMA, @b the new start (expand_downwards)
 * 6.1: do_mas_align_munmap(mas, vma, mm, start, end, ...),
 *      mprotect_fixup(tlb, vma, pprev, start, end, flags)
 * 6.12: do_vmi_align_munmap(vmi, vma, mm, start, end, ...),
 *      mprotect_fixup(vmi, tlb, vma, pprev, start, end, flags)
 * Both: mmap_region(file, addr, len, ...), do_brk_flags(it, vma, addr, len,
 *      flags), expand_downwards(vma, address).
 */
enum kmr_hint_kind { KMR_HINT_END, KMR_HINT_LEN, KMR_HINT_STACK };

#if KMR_KV >= 608
#define KMR_SYM_ALIGN_MUNMAP	"do_vmi_align_munmap"
#define KMR_MPROTECT_ARG0	4
#else
#define KMR_SYM_ALIGN_MUNMAP	"do_mas_align_munmap"
#define KMR_MPROTECT_ARG0	3
#endif

/* 6.6 gave pte_mkwrite() a vma (shadow stacks); user data is _novma. */
static inline pte_t kmr_pte_mkwrite(pte_t pte)
{
#if KMR_KV >= 606
	return pte_mkwrite_novma(pte);
#else
	return pte_mkwrite(pte);
#endif
}

/* The stack pointer at an ftrace_ops handler's function entry. */
static __always_inline unsigned long kmr_fsp(struct ftrace_regs *fregs)
{
#ifdef ftrace_regs_get_stack_pointer
	return ftrace_regs_get_stack_pointer(fregs);
#else
	return kernel_stack_pointer(&fregs->regs);
#endif
}

/*
 * The fault kretprobe's instances, taken, armed and given back by
 * probe_faults.c itself (kmr_hmf_fentry(), kmr_fctx_disarm()), as
 * kernel/trace/rethook.c and arch/x86/kernel/rethook.c do it (identical in
 * 6.1 and 6.12 but for the pool, an objpool since 6.7, a freelist before;
 * both inline in their headers).  Those functions are not exported and, with
 * IBT, not callable through a pointer.
 */

/* rethook_try_get(): none while the rethook is being freed. */
static __always_inline struct rethook_node *
kmr_rethook_pool_pop(struct rethook *rh)
{
	if (unlikely(!rcu_access_pointer(rh->handler)) ||
	    unlikely(!rcu_is_watching()))
		return NULL;
#if KMR_KV >= 607
	return objpool_pop(&rh->pool);
#else
	{
		struct freelist_node *fn = freelist_try_get(&rh->pool);

		return fn ? container_of(fn, struct rethook_node, freelist) :
			    NULL;
	}
#endif
}

/* rethook_recycle() for a live rethook (the caller checked its handler). */
static __always_inline void kmr_rethook_pool_push(struct rethook_node *rn)
{
#if KMR_KV >= 607
	objpool_push(rn, &rn->rethook->pool);
#else
	freelist_add(&rn->freelist, &rn->rethook->pool);
#endif
}

/*
 * rethook_hook() at a function's entry: x86's arch_rethook_prepare() saves
 * the return address at @sp and puts the trampoline there, then the node
 * goes first on the task's list.  Stack first, as there.
 */
static __always_inline void kmr_rethook_arm(struct rethook_node *rn,
					    unsigned long sp,
					    unsigned long tramp)
{
	unsigned long *stack = (unsigned long *)sp;

	rn->ret_addr = stack[0];
	rn->frame = sp;
	stack[0] = tramp;
	__llist_add(&rn->llist, &current->rethooks);
}

#endif /* _KMR_COMPAT_PROBES_H */
