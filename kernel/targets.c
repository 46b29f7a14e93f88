// SPDX-License-Identifier: GPL-2.0
/*
 * The traced set: which started session traces which mm.  Hooks read it
 * under RCU (kmr_for_each_session_mm() in kmemrec.h); it changes only at
 * START, at the end of a stream and at exec (out, then back on the new mm),
 * by publishing a new copy.  Writers call synchronize_rcu() after a removal
 * before they assume no hook still uses the session.
 */
#include <linux/mutex.h>
#include <linux/slab.h>
#include <linux/rcupdate.h>
#include "session.h"

struct kmr_target_set __rcu *kmr_targets;
static DEFINE_MUTEX(kmr_targets_lock);

static struct kmr_target_set *kmr_targets_locked(void)
{
	return rcu_dereference_protected(kmr_targets,
					 lockdep_is_held(&kmr_targets_lock));
}

int kmr_targets_add(struct kmr_session *s)
{
	struct kmr_target_set *old, *set;
	unsigned int n;

	mutex_lock(&kmr_targets_lock);
	old = kmr_targets_locked();
	n = old ? old->nr : 0;
	set = kmalloc(struct_size(set, e, n + 1), GFP_KERNEL);
	if (!set) {
		mutex_unlock(&kmr_targets_lock);
		return -ENOMEM;
	}
	if (n)
		memcpy(set->e, old->e, n * sizeof(set->e[0]));
	set->e[n].mm = s->mm;
	set->e[n].s = s;
	set->nr = n + 1;
	rcu_assign_pointer(kmr_targets, set);
	mutex_unlock(&kmr_targets_lock);
	if (old)
		kfree_rcu(old, rcu);
	return 0;
}

/* Returns true if @s was in the set (then synchronize_rcu() before use). */
bool kmr_targets_remove(struct kmr_session *s)
{
	struct kmr_target_set *old, *set = NULL;
	unsigned int i, j;

	mutex_lock(&kmr_targets_lock);
	old = kmr_targets_locked();
	for (i = 0; old && i < old->nr; i++)
		if (old->e[i].s == s)
			break;
	if (!old || i == old->nr) {
		mutex_unlock(&kmr_targets_lock);
		return false;
	}
	if (old->nr > 1) {
		/* A removal must not fail; the copy is a few dozen bytes. */
		set = kmalloc(struct_size(set, e, old->nr - 1),
			      GFP_KERNEL | __GFP_NOFAIL);
		for (i = 0, j = 0; i < old->nr; i++)
			if (old->e[i].s != s)
				set->e[j++] = old->e[i];
		set->nr = j;
	}
	rcu_assign_pointer(kmr_targets, set);
	mutex_unlock(&kmr_targets_lock);
	kfree_rcu(old, rcu);
	return true;
}
