/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel symbols the module needs but the kernel does not export, found
 * once at load through kallsyms (whose own address a kprobe gives, as
 * lttng-modules does).  Shared by the core and the hooks.
 */
#ifndef _KMR_KSYMS_H
#define _KMR_KSYMS_H

#include <linux/types.h>

struct task_struct;

/* At module load: fails (and the load with it) without ptrace_may_access. */
int kmr_ksyms_init(void);

/* Address of a kernel symbol, 0 if unknown.  Does not sleep; not NMI. */
unsigned long kmr_ksym_lookup(const char *name);

/* The kernel's own ptrace_may_access() (it takes task_lock itself). */
bool kmr_ptrace_may_access(struct task_struct *task, unsigned int mode);

/*
 * kmr_ksym_check_hook - may the kernel function @name be hooked by name?
 * 0 when it exists under exactly that name and no compiler clone of it does
 * (@name.isra.N, .constprop.N, .part.N: GCC's copies of a static function,
 * with their own calling convention; callers of a clone bypass the function
 * we would hook, so its events would be missed without a trace).
 * Otherwise it says why with pr_err() and returns -EOPNOTSUPP, which the
 * caller returns from ATTACH.  Call before registering each hook.
 */
int kmr_ksym_check_hook(const char *name);

/*
 * kmr_ksym_hook_addr - kmr_ksym_check_hook(@name), then @name's address
 * into *@addr; 0 or the check's error.  The verdict and the address are
 * found once per module load (cached by @name, which must be a string
 * that lives as long as the module); refusals are checked (and said) again.
 * Sleeps.
 */
int kmr_ksym_hook_addr(const char *name, unsigned long *addr);

/*
 * Whether @pfn is the huge zero page: true/false, or -1 when this kernel
 * does not let us know (huge_zero_pfn not found).
 */
int kmr_is_huge_zero_pfn(unsigned long pfn);

#endif /* _KMR_KSYMS_H */
