/* SPDX-License-Identifier: GPL-2.0 */
/* krace's subcommands (one file each) and what they share. */
#ifndef KRACE_H
#define KRACE_H

#include <stdbool.h>
#include <sys/types.h>

int krace_exit(int argc, char **argv);		/* krace_exit.c */
int krace_sessions(int argc, char **argv);	/* krace_sessions.c */
int krace_walk(int argc, char **argv);		/* krace_walk.c */
int krace_rmmod(int argc, char **argv);		/* krace_rmmod.c */
int krace_kretprobe(int argc, char **argv);	/* krace_kretprobe.c */

/*
 * "krace exec-chain N CODE": exec itself N more times, touching a few pages
 * each time, then exit with CODE.  A forked child of krace_gate_child()
 * runs it once released, so a test can attach before the first exec.
 */
int krace_exec_chain(int argc, char **argv);

/* fork a child that waits on a pipe, then execs "/proc/self/exe exec-chain
 * N CODE".  Returns its pid; *gate is the write end: write one byte (or
 * close it) to release the child. */
pid_t krace_gate_child(unsigned int n, int code, int *gate);
void krace_release(int *gate);

/* A thread that writes 1 to /proc/sys/vm/compact_memory in a loop (every
 * zone compacted: pages of the target migrate under the test).  Returns
 * false when the kernel has no compaction. */
bool krace_compactor_start(void);
unsigned long krace_compactor_stop(void);	/* rounds done */

#endif
