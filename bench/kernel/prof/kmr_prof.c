// SPDX-License-Identifier: GPL-2.0
/*
 * kmr_prof: a QEMU TCG plugin that counts the guest instructions executed
 * at every code address, between marks the guest sets (issue 10: "profile
 * first").  Under -icount shift=0 a guest's clock counts instructions, so
 * a benchmark says how many a fault costs; this says where they go, by
 * function, in the kernel, the module and user space alike, without
 * perf (TCG has no PMU) and without a tracer's own cost in the figures.
 *
 * Every translated block gets an inline counter (QEMU adds 1 each time the
 * block runs, no call); a block's instructions are counted as executed
 * when the block is entered (a block left early by an exception or an
 * interrupt still counts whole: a few instructions per fault).
 *
 * Windows: the guest runs `kmr-prof-mark on` and `kmr-prof-mark off`
 * (kmr_prof_mark.c), which call code at two fixed user addresses.  The
 * block at the first sets every counter to zero; the block at the second
 * writes the counters to OUT.N (N = 1, 2, ...) as lines "vaddr insns
 * count" (insns = the block's length).  Blocks are keyed by address and
 * length: the same address in two processes is one line (user space is
 * only summed; kernel addresses are unique).
 *
 * usage: qemu-system-x86_64 ... -plugin kmr_prof.so,out=PREFIX
 * One vCPU (the counters are not atomic).
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "qemu_plugin_v1.h"

QEMU_PLUGIN_EXPORT int qemu_plugin_version = KMR_QEMU_PLUGIN_VERSION;

/* The guest's marks (kmr_prof_mark.c maps and calls them). */
#define KMR_PROF_MARK_ON	0x13370000ull
#define KMR_PROF_MARK_OFF	0x13371000ull

struct block {
	uint64_t count;		/* first: the inline op's target */
	uint64_t vaddr;
	uint32_t insns;
	struct block *next;	/* hash chain */
	struct block *all;	/* every block, for the dump */
};

#define HASH_BITS 20
static struct block *table[1u << HASH_BITS];
static struct block *all_blocks;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char *out_prefix;
static unsigned int windows;

static unsigned int hash(uint64_t vaddr, uint32_t insns)
{
	uint64_t h = (vaddr ^ ((uint64_t)insns << 48)) * 0x9e3779b97f4a7c15ull;

	return h >> (64 - HASH_BITS);
}

/* The block's counter, made on its first translation. */
static struct block *block_of(uint64_t vaddr, uint32_t insns)
{
	unsigned int h = hash(vaddr, insns);
	struct block *b;

	pthread_mutex_lock(&lock);
	for (b = table[h]; b; b = b->next)
		if (b->vaddr == vaddr && b->insns == insns)
			goto out;
	b = calloc(1, sizeof(*b));
	if (!b)
		abort();
	b->vaddr = vaddr;
	b->insns = insns;
	b->next = table[h];
	table[h] = b;
	b->all = all_blocks;
	all_blocks = b;
out:
	pthread_mutex_unlock(&lock);
	return b;
}

static void mark_on(unsigned int vcpu, void *udata)
{
	struct block *b;

	(void)vcpu;
	(void)udata;
	pthread_mutex_lock(&lock);
	for (b = all_blocks; b; b = b->all)
		b->count = 0;
	pthread_mutex_unlock(&lock);
}

static void mark_off(unsigned int vcpu, void *udata)
{
	char path[4096];
	struct block *b;
	FILE *f;

	(void)vcpu;
	(void)udata;
	pthread_mutex_lock(&lock);
	snprintf(path, sizeof(path), "%s.%u", out_prefix, ++windows);
	f = fopen(path, "w");
	if (f) {
		for (b = all_blocks; b; b = b->all)
			if (b->count)
				fprintf(f, "%llx %u %llu\n",
					(unsigned long long)b->vaddr, b->insns,
					(unsigned long long)b->count);
		fclose(f);
	} else {
		fprintf(stderr, "kmr_prof: cannot write %s\n", path);
	}
	pthread_mutex_unlock(&lock);
}

static void tb_trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	uint64_t vaddr = qemu_plugin_tb_vaddr(tb);
	struct block *b = block_of(vaddr, qemu_plugin_tb_n_insns(tb));

	(void)id;
	qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64,
						 &b->count, 1);
	if (vaddr == KMR_PROF_MARK_ON)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_on,
						     QEMU_PLUGIN_CB_NO_REGS, NULL);
	else if (vaddr == KMR_PROF_MARK_OFF)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, mark_off,
						     QEMU_PLUGIN_CB_NO_REGS, NULL);
}

QEMU_PLUGIN_EXPORT int qemu_plugin_install(qemu_plugin_id_t id,
					   const qemu_info_t *info, int argc,
					   char **argv)
{
	int i;

	(void)info;
	for (i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out_prefix = strdup(argv[i] + 4);
	if (!out_prefix) {
		fprintf(stderr, "kmr_prof: usage: -plugin kmr_prof.so,out=PREFIX\n");
		return -1;
	}
	qemu_plugin_register_vcpu_tb_trans_cb(id, tb_trans);
	return 0;
}
