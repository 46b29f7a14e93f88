// SPDX-License-Identifier: GPL-2.0
/*
 * Session, ring reader and record applier for the hooks' guest tests.
 * See kprobes_rec.h.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include "kprobes_rec.h"
#include "kring.h"

void kp_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("FAIL: ", stdout);
	vprintf(fmt, ap);
	fputc('\n', stdout);
	va_end(ap);
	fflush(stdout);
	exit(1);
}

static void *kp_grow(void *p, size_t *cap, size_t need, size_t elem)
{
	if (need <= *cap)
		return p;
	*cap = need * 2 + 16;
	p = realloc(p, *cap * elem);
	if (!p)
		kp_die("out of memory");
	return p;
}

void kp_open(struct kp_session *s, int pid)
{
	int e;

	memset(s, 0, sizeof(*s));
	s->fd = open("/dev/kmemrec", O_RDWR | O_CLOEXEC);
	if (s->fd < 0)
		kp_die("open /dev/kmemrec: %s", strerror(errno));
	s->at.pid = pid;
	s->at.ring_size = 32 << 20;
	if (ioctl(s->fd, KMR_IOC_ATTACH, &s->at))
		kp_die("KMR_IOC_ATTACH pid %d: %s", pid, strerror(errno));
	e = kring_map(s->fd, &s->at, &s->ctl, &s->data);
	if (e)
		kp_die("mmap the session: %s", strerror(-e));
	s->next_seq = 1;
	s->exit_code = -2;
	if (ioctl(s->fd, KMR_IOC_START))
		kp_die("KMR_IOC_START: %s", strerror(errno));
}

void kp_close(struct kp_session *s)
{
	kring_unmap(&s->at, s->ctl, s->data);
	close(s->fd);
}

/* ------------------------------------------------------------------------ */
/* The model                                                                */
/* ------------------------------------------------------------------------ */

static unsigned int kp_hash(uint64_t vpn)
{
	return (unsigned int)((vpn * 0x9E3779B97F4A7C15ull) >> 48);
}

const struct kp_pte *kp_pte_get(const struct kp_session *s, uint64_t vaddr)
{
	uint64_t vpn = vaddr >> 12;
	const struct kp_pte *p;

	for (p = s->pte[kp_hash(vpn)]; p; p = p->next)
		if (p->vpn == vpn)
			return p;
	return NULL;
}

static void kp_pte_set(struct kp_session *s, uint64_t vpn, uint64_t entry)
{
	struct kp_pte **pp = &s->pte[kp_hash(vpn)], *p;

	for (p = *pp; p; p = p->next)
		if (p->vpn == vpn) {
			p->entry = entry;
			return;
		}
	p = malloc(sizeof(*p));
	if (!p)
		kp_die("out of memory");
	p->vpn = vpn;
	p->entry = entry;
	p->next = *pp;
	*pp = p;
	s->npte++;
}

static void kp_pte_del(struct kp_session *s, uint64_t vpn)
{
	struct kp_pte **pp = &s->pte[kp_hash(vpn)], *p;

	for (; (p = *pp); pp = &p->next)
		if (p->vpn == vpn) {
			*pp = p->next;
			free(p);
			s->npte--;
			return;
		}
}

static void kp_pte_clear(struct kp_session *s, uint64_t start, uint64_t end)
{
	uint64_t vpn;
	size_t b;

	if ((end - start) >> 12 < s->npte) {
		for (vpn = start >> 12; vpn < end >> 12; vpn++)
			kp_pte_del(s, vpn);
		return;
	}
	for (b = 0; b < sizeof(s->pte) / sizeof(s->pte[0]); b++) {
		struct kp_pte **pp = &s->pte[b], *p;

		while ((p = *pp)) {
			if (p->vpn >= start >> 12 && p->vpn < end >> 12) {
				*pp = p->next;
				free(p);
				s->npte--;
			} else {
				pp = &p->next;
			}
		}
	}
}

size_t kp_pte_count_range(const struct kp_session *s, uint64_t start,
			  uint64_t end)
{
	size_t n = 0;
	uint64_t a;

	for (a = start; a < end; a += 4096)
		n += kp_pte_get(s, a) != NULL;
	return n;
}

/* Remove [start, end) from the VMA list, trimming or splitting. */
static void kp_vma_cut(struct kp_session *s, uint64_t start, uint64_t end)
{
	size_t i = 0;

	while (i < s->nvma) {
		struct kp_vma *v = &s->vma[i];

		if (v->end <= start || v->start >= end) {
			i++;
			continue;
		}
		if (v->start < start && v->end > end) {	/* split */
			s->vma = kp_grow(s->vma, &s->capvma, s->nvma + 1,
					 sizeof(*s->vma));
			v = &s->vma[i];
			memmove(v + 1, v, (s->nvma - i) * sizeof(*v));
			s->nvma++;
			v[0].end = start;
			v[1].pgoff += (end - v[1].start) >> 12;
			v[1].start = end;
			return;
		}
		if (v->start < start) {
			v->end = start;
			i++;
		} else if (v->end > end) {
			v->pgoff += (end - v->start) >> 12;
			v->start = end;
			i++;
		} else {
			memmove(v, v + 1, (s->nvma - i - 1) * sizeof(*v));
			s->nvma--;
		}
	}
}

static void kp_vma_insert(struct kp_session *s, const struct kp_vma *n)
{
	size_t i = 0;

	kp_vma_cut(s, n->start, n->end);
	while (i < s->nvma && s->vma[i].start < n->start)
		i++;
	s->vma = kp_grow(s->vma, &s->capvma, s->nvma + 1, sizeof(*s->vma));
	memmove(&s->vma[i + 1], &s->vma[i], (s->nvma - i) * sizeof(*n));
	s->vma[i] = *n;
	s->nvma++;
}

static void kp_apply(struct kp_session *s, const struct kmr_event *e)
{
	switch (e->kind) {
	case KMR_EV_VMA_SYNC: {
		const struct kmr_ev_vma_sync *w = (const void *)e;

		if (s->win_left)
			kp_die("VMA window seq %" PRIu64 " left %u VMAs unsent",
			       s->win_seq, s->win_left);
		kp_vma_cut(s, w->start, w->end);
		s->win_seq = e->seq;
		s->win_start = w->start;
		s->win_end = w->end;
		s->win_left = w->count;
		break;
	}
	case KMR_EV_VMA: {
		const struct kmr_ev_vma *v = (const void *)e;
		struct kp_vma n = { 0 };

		if (v->sync_seq != s->win_seq || !s->win_left)
			kp_die("VMA record seq %" PRIu64 " for window %" PRIu64
			       " (open: %" PRIu64 ", %u left)", (uint64_t)e->seq,
			       (uint64_t)v->sync_seq, s->win_seq, s->win_left);
		s->win_left--;
		n.start = v->start;
		n.end = v->end;
		n.pgoff = v->pgoff;
		n.ino = v->ino;
		n.dev = v->dev;
		n.vm_flags = v->vm_flags;
		n.flags = e->flags;
		memcpy(n.name, v->name, v->name_len);
		kp_vma_insert(s, &n);
		break;
	}
	case KMR_EV_PTE: {
		const struct kmr_ev_pte *p = (const void *)e;
		uint64_t per = 1ull << (p->shift - 12), i, k;

		for (i = 0; i < p->nr; i++) {
			uint64_t ent = p->entry[i];
			uint64_t vpn = (p->vaddr >> 12) + i * per;

			for (k = 0; k < per; k++) {
				if (KMR_PTE_FLAGS(ent) & KMR_PTE_PRESENT)
					kp_pte_set(s, vpn + k,
						   KMR_PTE_MAKE(KMR_PTE_PFN(ent) + k,
								KMR_PTE_FLAGS(ent)));
				else
					kp_pte_del(s, vpn + k);
			}
		}
		break;
	}
	case KMR_EV_PTE_UNMAP: {
		const struct kmr_ev_pte_unmap *u = (const void *)e;

		kp_pte_clear(s, u->start, u->end);
		break;
	}
	case KMR_EV_EXEC:
		s->execs++;
		s->nvma = 0;
		kp_pte_clear(s, 0, ~0ull);
		break;
	case KMR_EV_EXIT:
		s->exits++;
		s->exit_code = ((const struct kmr_ev_exit *)e)->exit_code;
		break;
	case KMR_EV_FORK:
		s->forks++;
		break;
	case KMR_EV_LOST: {
		const struct kmr_ev_lost *l = (const void *)e;

		kp_die("LOST record: %" PRIu64 " records (kinds 0x%" PRIx64 ")",
		       (uint64_t)l->count, (uint64_t)l->kinds);
	}
	default:
		break;
	}
}

/* ------------------------------------------------------------------------ */
/* The rings                                                                */
/* ------------------------------------------------------------------------ */

static int kp_cmp_seq(const void *a, const void *b)
{
	const struct kmr_event *x = *(struct kmr_event *const *)a;
	const struct kmr_event *y = *(struct kmr_event *const *)b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

size_t kp_drain(struct kp_session *s)
{
	size_t applied = 0, i, keep = 0;
	uint32_t r;

	for (r = 0; r < s->ctl->nr_rings; r++) {
		uint64_t head = kring_head(s->ctl, r);
		uint64_t tail = s->ctl->ring[r].tail;

		while (tail < head) {
			const char *why;
			const struct kmr_event *e = kring_record(s->ctl, s->data,
								 r, tail, head,
								 &why);
			struct kmr_event *copy;

			if (!e)
				kp_die("ring %u: bad record at %" PRIu64
				       " (head %" PRIu64 "): %s", r, tail,
				       head, why);
			tail += e->size;
			if (e->kind == KMR_EV_PAD)
				continue;
			copy = malloc(e->size);
			if (!copy)
				kp_die("out of memory");
			memcpy(copy, e, e->size);
			s->pend = kp_grow(s->pend, &s->cappend, s->npend + 1,
					  sizeof(*s->pend));
			s->pend[s->npend++] = copy;
		}
		kring_release(s->ctl, r, tail);
	}
	qsort(s->pend, s->npend, sizeof(*s->pend), kp_cmp_seq);
	for (i = 0; i < s->npend; i++) {
		struct kmr_event *e = s->pend[i];

		if (e->seq != s->next_seq) {
			s->pend[keep++] = e;	/* a hole: wait for it */
			continue;
		}
		if (keep) {
			s->pend[keep++] = e;
			continue;
		}
		kp_apply(s, e);
		s->next_seq++;
		s->log = kp_grow(s->log, &s->caplog, s->nlog + 1,
				 sizeof(*s->log));
		s->log[s->nlog++] = e;
		applied++;
	}
	s->npend = keep;
	return applied;
}

void kp_log_reset(struct kp_session *s)
{
	size_t i;

	for (i = 0; i < s->nlog; i++)
		free(s->log[i]);
	s->nlog = 0;
}
