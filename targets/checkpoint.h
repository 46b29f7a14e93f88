/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Checkpoints: the kernel's own view of the calling process's memory at a
 * known CLOCK_MONOTONIC instant, for the end-to-end oracle
 * (tests/oracle/) to compare with `kmemreplay --at`.
 *
 * A checkpoint writes one file, DIR/ckpt-<pid>-<seq>-<label>.txt:
 *
 *   kmr-checkpoint 1
 *   label <label>
 *   pid <pid>
 *   seq <n>
 *   mono_before <ns>            CLOCK_MONOTONIC before reading anything
 *   maps <nbytes>
 *   <nbytes of /proc/self/maps, verbatim>
 *   pagemap
 *   <vaddr hex> <pagemap entry hex>   one line per page whose entry has
 *   ...                               PM_PRESENT or PM_SWAP set
 *   end
 *   mono_after <ns>             CLOCK_MONOTONIC after the last read
 *   faults_during <n>           page faults the process took in between
 *                               (getrusage; 0 for a faithful checkpoint;
 *                               an attempt the kernel's own compaction or
 *                               khugepaged made fault is retaken, up to 8
 *                               times, and the file holds the last one)
 *
 * Faithfulness: between mono_before and mono_after the process must not
 * change its own memory, or the files would describe no single instant.  So
 * a checkpoint never allocates, uses only raw system calls and buffers of
 * its own anonymous mapping (set up by ckpt_init, rewritten before every
 * checkpoint so that no copy-on-write fault can happen during one), and
 * touches its stack to a fixed depth before taking the first timestamp.
 * Every other thread of the process must be quiescent during a checkpoint:
 * that is the caller's job.
 *
 * The checkpoint buffer is an ordinary VMA of the process and appears in the
 * checkpoint itself; ckpt_buffer_range() tells where it is.
 */
#ifndef KMRT_CHECKPOINT_H
#define KMRT_CHECKPOINT_H

#include <stdint.h>

/* Environment variable naming the checkpoint directory. */
#define KMRT_CKPT_ENV "KMR_CKPT_DIR"

/*
 * Enables checkpoints into @dir (NULL: the KMR_CKPT_DIR environment
 * variable; neither set: checkpoints are disabled and ckpt_take does
 * nothing).  Returns 0, or -1 with errno set.
 */
int ckpt_init(const char *dir);

/* Restricts checkpoints to the VMAs overlapping [start, end). */
void ckpt_set_range(uint64_t start, uint64_t end);

/* True when ckpt_init enabled checkpoints. */
int ckpt_enabled(void);

/*
 * Takes a checkpoint named @label ([A-Za-z0-9_.-], at most 64 bytes).
 * Returns 0 (also when disabled), or -1 with errno set.
 */
int ckpt_take(const char *label);

/* The checkpoint buffer's mapping, for targets that report their VMAs. */
void ckpt_buffer_range(uint64_t *start, uint64_t *end);

/*
 * Forgets the directory in a forked child, so that only the traced process
 * writes checkpoints (the child's would describe another address space).
 */
void ckpt_disable(void);

#endif
