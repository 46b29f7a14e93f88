// SPDX-License-Identifier: GPL-2.0
/*
 * Unexported kernel symbols, resolved once at module load.
 *
 * kallsyms_lookup_name() is not exported since 5.7; a kprobe registered on
 * it reports its address.  Calls through the pointers go through
 * compat/ibt.h (IBT would fault on them).
 */
#include <linux/kallsyms.h>
#include <linux/kprobes.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/printk.h>
#include <linux/string.h>
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

/*
 * Test hook (tests/guest/cases/kwalk_hooks.sh): "NAME=OTHER" makes the
 * check of NAME look at OTHER's kallsyms entries, so that a test can show
 * the refusal with a function this kernel really has only as a clone.
 */
static char *test_hook_alias;
module_param(test_hook_alias, charp, 0600);
MODULE_PARM_DESC(test_hook_alias,
		 "test only: NAME=OTHER checks OTHER when NAME is hooked");

/* GCC's copies of a function under another calling convention. */
static const char * const kmr_clone_tags[] = { "isra", "constprop", "part" };
/* Clone numbers looked up; Debian's kernels use 0..2. */
#define KMR_CLONE_MAX_NR	8

/* The first clone of @name that exists, into @buf, or false. */
static bool kmr_ksym_find_clone(const char *name, char *buf, size_t len)
{
	unsigned int t, n, t2, n2;

	for (t = 0; t < ARRAY_SIZE(kmr_clone_tags); t++) {
		for (n = 0; n < KMR_CLONE_MAX_NR; n++) {
			snprintf(buf, len, "%s.%s.%u", name, kmr_clone_tags[t],
				 n);
			if (kmr_ksym_lookup(buf))
				return true;
		}
	}
	/* a clone of a clone: foo.constprop.0.isra.0 */
	for (t = 0; t < ARRAY_SIZE(kmr_clone_tags); t++)
		for (n = 0; n < 2; n++)
			for (t2 = 0; t2 < ARRAY_SIZE(kmr_clone_tags); t2++)
				for (n2 = 0; n2 < 2; n2++) {
					snprintf(buf, len, "%s.%s.%u.%s.%u",
						 name, kmr_clone_tags[t], n,
						 kmr_clone_tags[t2], n2);
					if (kmr_ksym_lookup(buf))
						return true;
				}
	return false;
}

/* @name, or what test_hook_alias says to look at instead. */
static const char *kmr_ksym_alias(const char *name, char *buf, size_t len)
{
	const char *a = READ_ONCE(test_hook_alias);
	size_t n = strlen(name);

	if (!a || strncmp(a, name, n) || a[n] != '=')
		return name;
	strscpy(buf, a + n + 1, len);
	return strim(buf);	/* echo's newline */
}

int kmr_ksym_check_hook(const char *name)
{
	char look[KSYM_NAME_LEN], clone[KSYM_NAME_LEN + 32];
	const char *sym = kmr_ksym_alias(name, look, sizeof(look));
	bool exact = kmr_ksym_lookup(sym);

	if (!kmr_ksym_find_clone(sym, clone, sizeof(clone))) {
		if (exact)
			return 0;
		pr_err("kmemrec: cannot hook %s: this kernel has no function %s; refusing to start\n",
		       name, sym);
		return -EOPNOTSUPP;
	}
	if (exact)
		pr_err("kmemrec: cannot hook %s: this kernel also has %s, a compiler clone some callers use instead, whose calls the hook would miss; refusing to start\n",
		       name, clone);
	else
		pr_err("kmemrec: cannot hook %s: this kernel has it only as the compiler clone %s, with another calling convention; refusing to start\n",
		       name, clone);
	return -EOPNOTSUPP;
}

/*
 * Checking a hook and finding its address walks kallsyms about 60 times
 * (linearly on 6.1), some 3 M instructions per function: done once per
 * function and module load (kmr_probes_init() asks for every hooked one),
 * not at every first ATTACH.  A refusal is not remembered: the next
 * ATTACH checks again and says why again.
 */
#define KMR_HOOK_CACHE_MAX	24

static struct kmr_hook_sym {
	const char *name;		/* a string literal of the probe code */
	unsigned long addr;
} kmr_hook_cache[KMR_HOOK_CACHE_MAX];
static unsigned int kmr_hook_cache_nr;
static DEFINE_MUTEX(kmr_hook_cache_lock);

int kmr_ksym_hook_addr(const char *name, unsigned long *addr)
{
	char look[KSYM_NAME_LEN];
	unsigned int i;
	int ret;

	*addr = 0;
	/* the test hook changes the verdict at any time: never cached */
	if (kmr_ksym_alias(name, look, sizeof(look)) != name) {
		ret = kmr_ksym_check_hook(name);
		if (!ret)
			*addr = kmr_ksym_lookup(name);
		return ret ? ret : (*addr ? 0 : -EOPNOTSUPP);
	}
	mutex_lock(&kmr_hook_cache_lock);
	for (i = 0; i < kmr_hook_cache_nr; i++)
		if (!strcmp(kmr_hook_cache[i].name, name)) {
			*addr = kmr_hook_cache[i].addr;
			mutex_unlock(&kmr_hook_cache_lock);
			return 0;
		}
	ret = kmr_ksym_check_hook(name);
	if (!ret) {
		*addr = kmr_ksym_lookup(name);
		if (!*addr)
			ret = -EOPNOTSUPP;
	}
	if (!ret && kmr_hook_cache_nr < KMR_HOOK_CACHE_MAX) {
		kmr_hook_cache[kmr_hook_cache_nr].name = name;
		kmr_hook_cache[kmr_hook_cache_nr].addr = *addr;
		kmr_hook_cache_nr++;
	}
	mutex_unlock(&kmr_hook_cache_lock);
	return ret;
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
