/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Calling a kernel function through a pointer found with kallsyms.
 *
 * With x86 Indirect Branch Tracking enforced (CONFIG_X86_KERNEL_IBT on a
 * CPU that has it, as Debian's 6.12 can), an indirect call must land on an
 * ENDBR64, and the kernel seals (overwrites) the ENDBR of every function
 * whose address it never takes itself; kallsyms_lookup_name and
 * ptrace_may_access are such functions, and a kprobe's address skips the
 * ENDBR anyway.  So IBT is switched off on this CPU, with IRQs off, for the
 * duration of the call.  Without IBT (6.1, or a CPU without it) this is
 * nothing.
 */
#ifndef _KMR_COMPAT_IBT_H
#define _KMR_COMPAT_IBT_H

#include <linux/irqflags.h>
#include <asm/cpufeature.h>
#include <asm/msr.h>

struct kmr_ibt {
	unsigned long flags;
	u64 cet;
	bool off;
};

static inline void kmr_ibt_off(struct kmr_ibt *st)
{
	st->off = false;
#ifdef CONFIG_X86_KERNEL_IBT
	if (!cpu_feature_enabled(X86_FEATURE_IBT))
		return;
	local_irq_save(st->flags);
	rdmsrl(MSR_IA32_S_CET, st->cet);
	wrmsrl(MSR_IA32_S_CET, st->cet & ~CET_ENDBR_EN);
	st->off = true;
#endif
}

static inline void kmr_ibt_restore(struct kmr_ibt *st)
{
#ifdef CONFIG_X86_KERNEL_IBT
	if (!st->off)
		return;
	wrmsrl(MSR_IA32_S_CET, st->cet);
	local_irq_restore(st->flags);
#endif
}

#endif /* _KMR_COMPAT_IBT_H */
