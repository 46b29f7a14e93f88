/* SPDX-License-Identifier: GPL-2.0 */
/*
 * follow.c: KMR_ATTACH_F_FOLLOW, holding a followed target's new processes
 * until the recorder has a session on them.
 */
#ifndef _KMR_FOLLOW_H
#define _KMR_FOLLOW_H

#include <linux/mm_types.h>
#include <linux/sched.h>
#include "kmemrec.h"

/*
 * sched_process_fork of a new process (not CLONE_VM) whose parent runs on
 * the traced @mm: emit FORK to every session of @mm, and hold @child for
 * the FOLLOW ones.  Atomic context (the tracepoint), RCU read side held.
 */
void kmr_follow_fork(struct mm_struct *mm, struct task_struct *child);

/*
 * The exec'ing current task shared @mm with a target of a FOLLOW session
 * (a CLONE_VM child, not one of its threads): should its exec be followed?
 * RCU read side held (the exec hook's entry).
 */
bool kmr_follow_exec_wanted(struct mm_struct *mm);
/*
 * In the exec'ed CLONE_VM child's task_work, before its new image's first
 * instruction: FORK (KMR_FORK_F_EXEC) to the sessions of @old_mm, and wait
 * for the FOLLOW ones.  Sleeps.
 */
void kmr_follow_exec(struct mm_struct *old_mm);

/* KMR_IOC_RELEASE: @vnr as the FORK record numbered it. */
int kmr_follow_release(struct kmr_session *s, pid_t vnr);
/*
 * @s stopped (STOP, DETACH, close), after its stream ended (no hook can
 * add a child for it any more): every child it holds goes.
 */
void kmr_follow_session_end(struct kmr_session *s);
/* Module exit: no follow task_work is still in our text. */
void kmr_follow_drain(void);

#endif /* _KMR_FOLLOW_H */
