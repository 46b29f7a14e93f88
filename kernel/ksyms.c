// SPDX-License-Identifier: GPL-2.0
/*
 * Unexported kernel symbols, resolved once at module load.
 *
 * kallsyms_lookup_name() is not exported since 5.7; a kprobe registered on
 * it reports its address.  Calls through the pointers go through
 * compat/ibt.h (IBT would fault on them).
 */
#include <linux/kprobes.h>
#include <linux/printk.h>
#include "ksyms.h"
#include "compat/ibt.h"

static unsigned long (*kmr_kallsyms_lookup_name)(const char *name);
static bool (*kmr_ptrace_may_access_fn)(struct task_struct *task,
					unsigned int mode);
static unsigned long *kmr_huge_zero_pfn;

static int kmr_ksyms_pre(struct kprobe *p, struct pt_regs *regs)
{
	return 0;
}

unsigned long kmr_ksym_lookup(const char *name)
{
	struct kmr_ibt ibt;
	unsigned long addr;

	if (!kmr_kallsyms_lookup_name)
		return 0;
	kmr_ibt_off(&ibt);
	addr = kmr_kallsyms_lookup_name(name);
	kmr_ibt_restore(&ibt);
	return addr;
}

bool kmr_ptrace_may_access(struct task_struct *task, unsigned int mode)
{
	struct kmr_ibt ibt;
	bool ok;

	kmr_ibt_off(&ibt);
	ok = kmr_ptrace_may_access_fn(task, mode);
	kmr_ibt_restore(&ibt);
	return ok;
}

int kmr_is_huge_zero_pfn(unsigned long pfn)
{
	if (!kmr_huge_zero_pfn)
		return -1;
	return READ_ONCE(*kmr_huge_zero_pfn) == pfn;
}

int kmr_ksyms_init(void)
{
	struct kprobe kp = {
		.symbol_name = "kallsyms_lookup_name",
		.pre_handler = kmr_ksyms_pre,
	};
	int ret;

	ret = register_kprobe(&kp);
	if (ret) {
		pr_err("kmemrec: cannot locate kallsyms_lookup_name (register_kprobe: %d)\n",
		       ret);
		return ret;
	}
	kmr_kallsyms_lookup_name = (void *)kp.addr;
	unregister_kprobe(&kp);

	kmr_ptrace_may_access_fn = (void *)kmr_ksym_lookup("ptrace_may_access");
	if (!kmr_ptrace_may_access_fn) {
		/* Never fall back to a weaker check: refuse to load. */
		pr_err("kmemrec: cannot locate ptrace_may_access; refusing to load\n");
		return -ENOENT;
	}
	/* Optional: without it the huge zero page is recognized by shape. */
	kmr_huge_zero_pfn = (void *)kmr_ksym_lookup("huge_zero_pfn");
	return 0;
}
