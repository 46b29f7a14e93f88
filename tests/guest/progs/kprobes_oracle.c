// SPDX-License-Identifier: GPL-2.0
/*
 * The kernel's own view of a process, compared with the model the records
 * built: /proc/<pid>/maps (every field) and /proc/<pid>/pagemap (present
 * pages and their pfns; the reader is root, so pfns are visible).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "kprobes_rec.h"

#define PM_PRESENT	(1ull << 63)
#define PM_PFN		((1ull << 55) - 1)

uint64_t kp_pagemap_pfn(int pid, uint64_t vaddr)
{
	char path[64];
	uint64_t pm = 0;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		kp_die("open %s", path);
	if (pread(fd, &pm, 8, (vaddr >> 12) * 8) != 8)
		kp_die("read %s", path);
	close(fd);
	return (pm & PM_PRESENT) ? (pm & PM_PFN) : 0;
}

struct kp_mapline {
	uint64_t start, end, off, ino;
	unsigned int maj, min;
	char perms[5];
	char name[4096];
};

static bool kp_parse_maps_line(const char *line, struct kp_mapline *m)
{
	int n = 0;

	memset(m, 0, sizeof(*m));
	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %4s %" SCNx64 " %x:%x %"
		   SCNu64 " %n", &m->start, &m->end, m->perms, &m->off,
		   &m->maj, &m->min, &m->ino, &n) < 7)
		return false;
	snprintf(m->name, sizeof(m->name), "%s", line + n);
	m->name[strcspn(m->name, "\n")] = '\0';
	return true;
}

static void kp_perms(const struct kp_vma *v, char out[5])
{
	out[0] = v->vm_flags & KMR_VM_READ ? 'r' : '-';
	out[1] = v->vm_flags & KMR_VM_WRITE ? 'w' : '-';
	out[2] = v->vm_flags & KMR_VM_EXEC ? 'x' : '-';
	out[3] = v->vm_flags & KMR_VM_MAYSHARE ? 's' : 'p';
	out[4] = '\0';
}

#define DIFF(...) do {					\
		if (diffs++ < max_print)			\
			printf("  diff: " __VA_ARGS__);		\
	} while (0)

/* Present pages of [start, end): pagemap against the model. */
static size_t kp_compare_pages(const struct kp_session *s, int pmfd,
			       uint64_t start, uint64_t end, size_t max_print)
{
	static uint64_t buf[4096];
	size_t diffs = 0;
	uint64_t a = start;

	while (a < end) {
		size_t n = (end - a) >> 12, i;

		if (n > 4096)
			n = 4096;
		if (pread(pmfd, buf, n * 8, (a >> 12) * 8) != (ssize_t)(n * 8))
			kp_die("pagemap read at %" PRIx64, a);
		for (i = 0; i < n; i++, a += 4096) {
			const struct kp_pte *p = kp_pte_get(s, a);
			uint64_t pfn = buf[i] & PM_PFN;

			if (!(buf[i] & PM_PRESENT)) {
				if (p)
					DIFF("%#" PRIx64 ": model pfn %#llx, kernel not present\n",
					     a, (unsigned long long)KMR_PTE_PFN(p->entry));
				continue;
			}
			if (!p)
				DIFF("%#" PRIx64 ": kernel pfn %#" PRIx64 ", model none\n",
				     a, pfn);
			else if (KMR_PTE_PFN(p->entry) != pfn)
				DIFF("%#" PRIx64 ": kernel pfn %#" PRIx64 ", model %#llx\n",
				     a, pfn, (unsigned long long)KMR_PTE_PFN(p->entry));
		}
	}
	return diffs;
}

size_t kp_compare(const struct kp_session *s, int pid, size_t max_print)
{
	char path[64], line[4400];
	size_t diffs = 0, i = 0, model_ptes = 0;
	struct kp_mapline m;
	FILE *f;
	int pmfd;

	snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	f = fopen(path, "r");
	snprintf(path, sizeof(path), "/proc/%d/pagemap", pid);
	pmfd = open(path, O_RDONLY);
	if (!f || pmfd < 0)
		kp_die("open /proc/%d/maps or pagemap", pid);
	while (fgets(line, sizeof(line), f)) {
		const struct kp_vma *v;
		char perms[5];

		if (!kp_parse_maps_line(line, &m))
			kp_die("bad maps line: %s", line);
		if (!strcmp(m.name, "[vsyscall]"))	/* gate area, no VMA */
			continue;
		if (i >= s->nvma) {
			DIFF("maps %s", line);
			continue;
		}
		v = &s->vma[i];
		while (v->end <= m.start && i + 1 < s->nvma) {
			DIFF("model VMA %#" PRIx64 "-%#" PRIx64 " %s not in maps\n",
			     v->start, v->end, v->name);
			v = &s->vma[++i];
		}
		kp_perms(v, perms);
		if (v->start != m.start || v->end != m.end ||
		    strcmp(perms, m.perms) ||
		    (v->ino && v->pgoff << 12 != m.off) ||
		    v->ino != m.ino || strcmp(v->name, m.name) ||
		    (v->ino && ((v->dev & 0xfff00) >> 8 != m.maj ||
				((v->dev & 0xff) | ((v->dev >> 12) & 0xfff00)) !=
				m.min)))
			DIFF("maps  %s        model %#" PRIx64 "-%#" PRIx64
			     " %s %08" PRIx64 " ino %" PRIu64 " %s\n", line,
			     v->start, v->end, perms, v->pgoff << 12, v->ino,
			     v->name);
		else
			i++;
		diffs += kp_compare_pages(s, pmfd, m.start, m.end,
					  diffs < max_print ?
					  max_print - diffs : 0);
	}
	for (; i < s->nvma; i++)
		DIFF("model VMA %#" PRIx64 "-%#" PRIx64 " %s not in maps\n",
		     s->vma[i].start, s->vma[i].end, s->vma[i].name);
	/* PTEs the model keeps outside every VMA */
	for (i = 0; i < s->nvma; i++)
		model_ptes += kp_pte_count_range(s, s->vma[i].start,
						 s->vma[i].end);
	if (model_ptes != s->npte)
		DIFF("%zu model PTEs lie outside every VMA\n",
		     s->npte - model_ptes);
	fclose(f);
	close(pmfd);
	return diffs;
}
