// SPDX-License-Identifier: GPL-2.0
/*
 * The kcore tests' model: records applied in seq order to a shadow of the
 * target's VMAs and pages, and the comparison with /proc/<pid>/maps and
 * /proc/<pid>/pagemap.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kcore_rec.h"
#include "kring.h"

#define KM_PAGE		((uint64_t)4096)

void km_init(struct km_model *m)
{
	memset(m, 0, sizeof(*m));
	m->cap = 1u << 16;
	m->pvpn = calloc(m->cap, sizeof(*m->pvpn));
	m->pent = calloc(m->cap, sizeof(*m->pent));
	if (!m->pvpn || !m->pent)
		kc_die("out of memory");
}

void km_free(struct km_model *m)
{
	free(m->vma);
	free(m->pvpn);
	free(m->pent);
	memset(m, 0, sizeof(*m));
}

/* ---- pages: open addressing, key vpn + 1, deletion by re-insertion ---- */

static size_t km_slot(const struct km_model *m, uint64_t vpn)
{
	uint64_t h = (vpn + 1) * 0x9e3779b97f4a7c15ull;
	size_t i = h >> 20 & (m->cap - 1);

	while (m->pvpn[i] && m->pvpn[i] != vpn + 1)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void km_put(struct km_model *m, uint64_t vpn, uint64_t entry);

static void km_grow(struct km_model *m)
{
	uint64_t *ov = m->pvpn, *oe = m->pent;
	size_t oc = m->cap, i;

	m->cap *= 2;
	m->pvpn = calloc(m->cap, sizeof(*m->pvpn));
	m->pent = calloc(m->cap, sizeof(*m->pent));
	if (!m->pvpn || !m->pent)
		kc_die("out of memory");
	m->npte = 0;
	for (i = 0; i < oc; i++)
		if (ov[i])
			km_put(m, ov[i] - 1, oe[i]);
	free(ov);
	free(oe);
}

static void km_put(struct km_model *m, uint64_t vpn, uint64_t entry)
{
	size_t i;

	if ((m->npte + 1) * 2 > m->cap)
		km_grow(m);
	i = km_slot(m, vpn);
	if (!m->pvpn[i])
		m->npte++;
	m->pvpn[i] = vpn + 1;
	m->pent[i] = entry;
}

static void km_del(struct km_model *m, uint64_t vpn)
{
	size_t i = km_slot(m, vpn), j;

	if (!m->pvpn[i])
		return;
	m->pvpn[i] = 0;
	m->npte--;
	/* Re-insert the rest of the cluster. */
	for (j = (i + 1) & (m->cap - 1); m->pvpn[j]; j = (j + 1) & (m->cap - 1)) {
		uint64_t v = m->pvpn[j] - 1, e = m->pent[j];

		m->pvpn[j] = 0;
		m->npte--;
		km_put(m, v, e);
	}
}

uint64_t km_pte(const struct km_model *m, uint64_t vaddr)
{
	size_t i = km_slot(m, vaddr / KM_PAGE);

	return m->pvpn[i] ? m->pent[i] : 0;
}

static void km_clear_range(struct km_model *m, uint64_t start, uint64_t end)
{
	uint64_t vpn, n = (end - start) / KM_PAGE;
	size_t i;

	if (n <= m->cap) {
		for (vpn = start / KM_PAGE; vpn < end / KM_PAGE; vpn++)
			km_del(m, vpn);
		return;
	}
	for (i = 0; i < m->cap;) {
		uint64_t a = (m->pvpn[i] - 1) * KM_PAGE;

		if (m->pvpn[i] && a >= start && a < end)
			km_del(m, a / KM_PAGE);	/* slot i refilled: look again */
		else
			i++;
	}
}

/* ---- VMAs: a sorted array; windows replace what they cover ---- */

static void km_vma_cut(struct km_model *m, uint64_t start, uint64_t end)
{
	size_t i, n = 0;
	struct km_vma *out = calloc(m->nvma * 2 + 1, sizeof(*out));

	if (!out)
		kc_die("out of memory");
	for (i = 0; i < m->nvma; i++) {
		struct km_vma v = m->vma[i];

		if (v.end <= start || v.start >= end) {
			out[n++] = v;
			continue;
		}
		if (v.start < start) {
			out[n] = v;
			out[n++].end = start;
		}
		if (v.end > end) {
			out[n] = v;
			out[n].pgoff += (end - v.start) / KM_PAGE;
			out[n++].start = end;
		}
	}
	free(m->vma);
	m->vma = out;
	m->nvma = n;
	m->capvma = m->nvma * 2 + 1;
}

static void km_vma_insert(struct km_model *m, const struct km_vma *v)
{
	size_t i;

	km_vma_cut(m, v->start, v->end);
	if (m->nvma == m->capvma) {
		m->capvma = m->capvma * 2 + 8;
		m->vma = realloc(m->vma, m->capvma * sizeof(*m->vma));
		if (!m->vma)
			kc_die("out of memory");
	}
	for (i = m->nvma; i > 0 && m->vma[i - 1].start > v->start; i--)
		m->vma[i] = m->vma[i - 1];
	m->vma[i] = *v;
	m->nvma++;
}

static void km_apply_vma(struct km_model *m, const struct kmr_ev_vma *e)
{
	struct km_vma v = {
		.start = e->start, .end = e->end, .pgoff = e->pgoff,
		.ino = e->ino, .dev = e->dev, .vm_flags = e->vm_flags,
		.flags = e->h.flags,
	};

	if (e->sync_seq != m->win_seq || !m->win_left)
		kc_die("VMA record seq %" PRIu64 " for window %" PRIu64 " (open window %" PRIu64 ", %u left)",
		       (uint64_t)e->h.seq, (uint64_t)e->sync_seq, m->win_seq,
		       m->win_left);
	if (e->name_len > KMR_NAME_MAX ||
	    sizeof(*e) + e->name_len > e->h.size)
		kc_die("VMA record with name_len %u in %u bytes", e->name_len,
		       e->h.size);
	memcpy(v.name, e->name, e->name_len);
	m->win_left--;
	km_vma_insert(m, &v);
	if (m->in_snapshot)
		m->snap_vmas++;
}

static void km_apply_pte(struct km_model *m, const struct kmr_ev_pte *e)
{
	const struct kmr_fault_info *f = kring_fault(&e->h);
	uint64_t span = 1ull << e->shift, j;
	uint32_t i;

	if (e->shift != 12 && e->shift != 21 && e->shift != 30)
		kc_die("PTE record with shift %u", e->shift);
	if (kring_pte_size(e) != e->h.size || !e->nr)
		kc_die("PTE record: nr %u in %u bytes", e->nr, e->h.size);
	if (e->h.flags & ~(KMR_PTE_CAUSE_MASK | KMR_PTE_F_FAULT) ||
	    (e->h.flags & KMR_PTE_CAUSE_MASK) > KMR_PTE_CAUSE_OTHER)
		kc_die("PTE record flags %#x", e->h.flags);
	/* the fault it carries set one of its entries */
	if (f && (f->vaddr < e->vaddr ||
		  (f->vaddr - e->vaddr) >> e->shift >= e->nr))
		kc_die("PTE record at %#" PRIx64 " carries a fault at %#" PRIx64 " tid %u",
		       (uint64_t)e->vaddr, (uint64_t)f->vaddr, f->tid);
	for (i = 0; i < e->nr; i++) {
		uint64_t ent = e->entry[i], va = e->vaddr + i * span;
		uint32_t f = KMR_PTE_FLAGS(ent);

		if (!ent)
			kc_die("PTE record with a none entry at %#" PRIx64, va);
		if (m->in_snapshot && (f & KMR_PTE_PRESENT))
			m->snap_ptes++;
		for (j = 0; j < span / KM_PAGE; j++) {
			uint64_t sub = ent;

			if (f & KMR_PTE_PRESENT)
				sub = KMR_PTE_MAKE(KMR_PTE_PFN(ent) + j, f);
			km_put(m, va / KM_PAGE + j, sub);
		}
	}
}

/* VMA drops from @first_ns on explain the windows that closed after it. */
static void km_explain_short(struct km_model *m, uint64_t first_ns)
{
	uint32_t i, n = 0;

	for (i = 0; i < m->nshort; i++)
		if (m->short_win[i].closed_ns < first_ns)
			m->short_win[n++] = m->short_win[i];
	m->nshort = n;
}

void km_apply(const struct kmr_event *ev, uint32_t ring, void *priv)
{
	struct km_model *m = priv;
	uint64_t *prev = &m->prev_time[ring % 64];

	if (m->dump)
		km_print(m->dump, ev);
	m->kinds[ev->kind]++;
	/* a PTE record that carries its fault is the fault's record too */
	if (ev->kind == KMR_EV_PTE && (ev->flags & KMR_PTE_F_FAULT))
		m->kinds[KMR_EV_FAULT]++;
	switch (ev->kind) {
	case KMR_EV_SNAPSHOT_BEGIN: {
		const struct kmr_ev_snapshot *e = (const void *)ev;

		if (ev->flags > KMR_SNAP_RESYNC)
			kc_die("snapshot cause %u", ev->flags);
		km_clear_range(m, e->start, e->end);
		m->in_snapshot = ev->flags + 1;
		m->snap_vmas = m->snap_ptes = 0;
		m->lost_in_snapshot = false;
		break;
	}
	case KMR_EV_SNAPSHOT_END: {
		const struct kmr_ev_snapshot *e = (const void *)ev;

		if (m->in_snapshot != (int)ev->flags + 1)
			kc_die("SNAPSHOT_END cause %u without its BEGIN", ev->flags);
		m->in_snapshot = 0;
		m->snapshots[ev->flags]++;
		m->end_vmas = e->nr_vmas;
		m->end_ptes = e->nr_ptes;
		/* It re-read everything, unless records dropped meanwhile. */
		if (!m->lost_in_snapshot)
			m->unknown = false;
		break;
	}
	case KMR_EV_VMA_SYNC: {
		const struct kmr_ev_vma_sync *e = (const void *)ev;

		if (m->win_left && !m->unknown) {
			if (m->nshort == sizeof(m->short_win) / sizeof(m->short_win[0]))
				kc_die("VMA window %" PRIu64 " opened with %u VMAs missing from window %" PRIu64 ", and %u more short windows no LOST record explains",
				       (uint64_t)ev->seq, m->win_left,
				       m->win_seq, m->nshort);
			m->short_win[m->nshort].seq = m->win_seq;
			m->short_win[m->nshort].closed_ns = ev->time_ns;
			m->short_win[m->nshort].left = m->win_left;
			m->nshort++;
		}
		m->win_seq = ev->seq;
		m->win_left = e->count;
		km_vma_cut(m, e->start, e->end);
		break;
	}
	case KMR_EV_VMA:
		km_apply_vma(m, (const void *)ev);
		break;
	case KMR_EV_PTE:
		km_apply_pte(m, (const void *)ev);
		break;
	case KMR_EV_PTE_UNMAP: {
		const struct kmr_ev_pte_unmap *e = (const void *)ev;

		km_clear_range(m, e->start, e->end);
		break;
	}
	case KMR_EV_EXEC:
		m->execs++;
		km_vma_cut(m, 0, UINT64_MAX);
		km_clear_range(m, 0, UINT64_MAX);
		break;
	case KMR_EV_EXIT: {
		const struct kmr_ev_exit *e = (const void *)ev;

		m->exits++;
		m->exit_code = e->exit_code;
		m->exit_flags = ev->flags;
		break;
	}
	case KMR_EV_FORK:
		m->forks++;
		break;
	case KMR_EV_LOST: {
		const struct kmr_ev_lost *e = (const void *)ev;

		if (!e->count || e->first_ns > e->last_ns || !e->kinds)
			kc_die("LOST record: count %" PRIu64 " kinds %#" PRIx64 " first %" PRIu64 " last %" PRIu64,
			       (uint64_t)e->count, (uint64_t)e->kinds,
			       (uint64_t)e->first_ns, (uint64_t)e->last_ns);
		/*
		 * Positioned at the gap: the drops happened after the record
		 * before it on the same ring and before it.
		 */
		if (e->first_ns < *prev || e->last_ns > ev->time_ns)
			kc_die("LOST window %" PRIu64 "..%" PRIu64 " outside %" PRIu64 "..%" PRIu64 " of ring %u",
			       (uint64_t)e->first_ns, (uint64_t)e->last_ns,
			       *prev, (uint64_t)ev->time_ns, ring);
		m->lost += e->count;
		m->lost_records++;
		if (e->kinds & (1ull << KMR_EV_VMA))
			km_explain_short(m, e->first_ns);
		m->unknown = true;
		m->lost_in_snapshot = true;
		break;
	}
	default:
		break;
	}
	*prev = ev->time_ns;
}

/* ---- /proc comparison ---- */

static const char *km_perms(uint32_t f, char *buf)
{
	buf[0] = f & KMR_VM_READ ? 'r' : '-';
	buf[1] = f & KMR_VM_WRITE ? 'w' : '-';
	buf[2] = f & KMR_VM_EXEC ? 'x' : '-';
	buf[3] = f & KMR_VM_MAYSHARE ? 's' : 'p';
	buf[4] = 0;
	return buf;
}

/* A model VMA as its /proc/pid/maps line (without padding). */
static void km_vma_line(const struct km_vma *v, char *out, size_t len)
{
	bool file = v->flags & KMR_VMA_F_FILE;
	unsigned int maj = (v->dev & 0xfff00) >> 8;
	unsigned int min = (v->dev & 0xff) | ((v->dev >> 12) & 0xfff00);
	char perms[5], name[KMR_NAME_MAX * 4 + 1];
	size_t i, n = 0;

	/* maps escapes '\n' in paths as \012 */
	for (i = 0; v->name[i] && n + 5 < sizeof(name); i++) {
		if (v->name[i] == '\n') {
			memcpy(name + n, "\\012", 4);
			n += 4;
		} else {
			name[n++] = v->name[i];
		}
	}
	name[n] = 0;
	snprintf(out, len, "%08" PRIx64 "-%08" PRIx64 " %s %08" PRIx64 " %02x:%02x %" PRIu64 " %s",
		 v->start, v->end, km_perms(v->vm_flags, perms),
		 file ? v->pgoff * KM_PAGE : 0, file ? maj : 0, file ? min : 0,
		 file ? v->ino : 0, name);
	/* maps pads before the name; compare with single spaces */
	n = strlen(out);
	while (n && out[n - 1] == ' ')
		out[--n] = 0;
}

static void km_squeeze(char *s)
{
	char *w = s, *r = s;
	int sp = 0, field = 0;

	/* collapse the runs of spaces before the name (fields 0-4) only */
	for (; *r && *r != '\n'; r++) {
		if (*r == ' ' && field < 5) {
			if (!sp)
				*w++ = ' ';
			sp = 1;
			continue;
		}
		if (sp)
			field++;
		sp = 0;
		*w++ = *r;
	}
	while (w > s && w[-1] == ' ')
		w--;
	*w = 0;
}

static long km_compare_pages(const struct km_model *m, int pid, uint64_t start,
			     uint64_t end, int *printed, int max_print,
			     uint64_t *pages)
{
	char path[64];
	long diffs = 0;
	uint64_t va, pm;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		kc_die("open %s: %s", path, strerror(errno));
	for (va = start; va < end; va += KM_PAGE) {
		uint64_t ent = km_pte(m, va), want = 0, got = 0;

		if (pread(fd, &pm, 8, va / KM_PAGE * 8) != 8)
			kc_die("read pagemap at %#" PRIx64, va);
		if (pm >> 63)
			want = pm & ((1ull << 55) - 1);
		if (KMR_PTE_FLAGS(ent) & KMR_PTE_PRESENT)
			got = KMR_PTE_PFN(ent);
		if ((pm >> 63) != !!(KMR_PTE_FLAGS(ent) & KMR_PTE_PRESENT) ||
		    want != got) {
			if ((*printed)++ < max_print)
				fprintf(stderr, "page %#" PRIx64 ": pagemap %s pfn %#" PRIx64 ", model %s pfn %#" PRIx64 " (entry %#" PRIx64 ")\n",
					va, pm >> 63 ? "present" : "absent", want,
					got || ent ? "present" : "absent", got,
					ent);
			diffs++;
		}
		if (pm >> 63)
			(*pages)++;
	}
	close(fd);
	return diffs;
}

long km_compare(const struct km_model *m, int pid, int max_print,
		uint64_t *pages)
{
	char path[64], line[4096 + 128], want[4096 + 128];
	size_t i = 0;
	long diffs = 0;
	int printed = 0;
	FILE *f;

	*pages = 0;
	for (i = 0; i < m->nshort; i++) {
		if (printed++ < max_print)
			fprintf(stderr, "VMA window %" PRIu64 " closed with %u VMAs missing and no LOST record reported them\n",
				m->short_win[i].seq, m->short_win[i].left);
		diffs++;
	}
	i = 0;
	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	if (!f)
		kc_die("open %s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f)) {
		uint64_t start, end;

		if (sscanf(line, "%" SCNx64 "-%" SCNx64, &start, &end) != 2)
			kc_die("bad maps line: %s", line);
		/* [vsyscall] is the gate area, not a VMA of the mm */
		if (start >= (1ull << 56))
			continue;
		km_squeeze(line);
		if (i >= m->nvma) {
			if (printed++ < max_print)
				fprintf(stderr, "maps has %s, model has nothing\n", line);
			diffs++;
			continue;
		}
		km_vma_line(&m->vma[i++], want, sizeof(want));
		if (strcmp(line, want)) {
			if (printed++ < max_print)
				fprintf(stderr, "maps:  %s\nmodel: %s\n", line, want);
			diffs++;
		}
		/*
		 * pagemap does not walk VM_IO/VM_PFNMAP VMAs ([vvar]: their
		 * present PTEs read as holes), so there is nothing to compare.
		 */
		if (m->vma[i - 1].vm_flags & KMR_VM_IO)
			continue;
		diffs += km_compare_pages(m, pid, start, end, &printed,
					  max_print, pages);
	}
	fclose(f);
	for (; i < m->nvma; i++) {
		km_vma_line(&m->vma[i], want, sizeof(want));
		if (printed++ < max_print)
			fprintf(stderr, "model has %s, maps has nothing\n", want);
		diffs++;
	}
	/* Pages the model has outside every VMA. */
	for (i = 0; i < m->cap; i++) {
		uint64_t va = (m->pvpn[i] - 1) * KM_PAGE;
		size_t k;
		bool in = false;

		if (!m->pvpn[i])
			continue;
		for (k = 0; k < m->nvma && !in; k++)
			in = va >= m->vma[k].start && va < m->vma[k].end;
		if (!in) {
			if (printed++ < max_print)
				fprintf(stderr, "model page %#" PRIx64 " outside every VMA\n", va);
			diffs++;
		}
	}
	return diffs;
}
