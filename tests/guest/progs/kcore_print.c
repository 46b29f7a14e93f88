// SPDX-License-Identifier: GPL-2.0
/* Records as text, one line each (kcore_dump and test logs). */
#include <inttypes.h>
#include "kcore_rec.h"
#include "kring.h"

static const char *const km_kind_names[KMR_EV_NR_KINDS] = {
	[KMR_EV_PAD] = "PAD",
	[KMR_EV_SNAPSHOT_BEGIN] = "SNAPSHOT_BEGIN",
	[KMR_EV_SNAPSHOT_END] = "SNAPSHOT_END",
	[KMR_EV_VMA_SYNC] = "VMA_SYNC",
	[KMR_EV_VMA] = "VMA",
	[KMR_EV_PTE] = "PTE",
	[KMR_EV_PTE_UNMAP] = "PTE_UNMAP",
	[KMR_EV_COW] = "COW",
	[KMR_EV_FAULT] = "FAULT",
	[KMR_EV_FORK] = "FORK",
	[KMR_EV_EXEC] = "EXEC",
	[KMR_EV_EXIT] = "EXIT",
	[KMR_EV_LOST] = "LOST",
	[KMR_EV_MEM_WRITE] = "MEM_WRITE",
	[KMR_EV_PAGE_DATA] = "PAGE_DATA",
	[KMR_EV_SIGNAL] = "SIGNAL",
};

static void km_print_entries(FILE *f, const struct kmr_ev_pte *e)
{
	uint32_t i;

	for (i = 0; i < e->nr && i < 8; i++)
		fprintf(f, " %#" PRIx64 "/%#x", (uint64_t)KMR_PTE_PFN(e->entry[i]),
			KMR_PTE_FLAGS(e->entry[i]));
	if (e->nr > 8)
		fprintf(f, " ...");
}

void km_print(FILE *f, const struct kmr_event *ev)
{
	fprintf(f, "%" PRIu64 " %" PRIu64 " %s flags=%#x", (uint64_t)ev->seq,
		(uint64_t)ev->time_ns, km_kind_names[ev->kind], ev->flags);
	switch (ev->kind) {
	case KMR_EV_SNAPSHOT_BEGIN:
	case KMR_EV_SNAPSHOT_END: {
		const struct kmr_ev_snapshot *e = (const void *)ev;

		fprintf(f, " range=%#" PRIx64 "-%#" PRIx64 " pid=%u vmas=%u ptes=%" PRIu64,
			(uint64_t)e->start, (uint64_t)e->end, e->pid, e->nr_vmas,
			(uint64_t)e->nr_ptes);
		break;
	}
	case KMR_EV_VMA_SYNC: {
		const struct kmr_ev_vma_sync *e = (const void *)ev;

		fprintf(f, " window=%#" PRIx64 "-%#" PRIx64 " count=%u",
			(uint64_t)e->start, (uint64_t)e->end, e->count);
		break;
	}
	case KMR_EV_VMA: {
		const struct kmr_ev_vma *e = (const void *)ev;

		fprintf(f, " sync=%" PRIu64 " %#" PRIx64 "-%#" PRIx64 " pgoff=%#" PRIx64 " dev=%#x ino=%" PRIu64 " vm=%#x name=%.*s",
			(uint64_t)e->sync_seq, (uint64_t)e->start,
			(uint64_t)e->end, (uint64_t)e->pgoff, e->dev,
			(uint64_t)e->ino, e->vm_flags, (int)e->name_len, e->name);
		break;
	}
	case KMR_EV_PTE: {
		const struct kmr_ev_pte *e = (const void *)ev;

		const struct kmr_fault_info *x = kring_fault(ev);

		fprintf(f, " vaddr=%#" PRIx64 " nr=%u shift=%u",
			(uint64_t)e->vaddr, e->nr, e->shift);
		km_print_entries(f, e);
		if (x)
			fprintf(f, " +FAULT vaddr=%#" PRIx64 " ip=%#" PRIx64 " fault=%#x tid=%u",
				(uint64_t)x->vaddr, (uint64_t)x->ip,
				x->fault_flags, x->tid);
		break;
	}
	case KMR_EV_PTE_UNMAP: {
		const struct kmr_ev_pte_unmap *e = (const void *)ev;

		fprintf(f, " %#" PRIx64 "-%#" PRIx64, (uint64_t)e->start,
			(uint64_t)e->end);
		break;
	}
	case KMR_EV_COW: {
		const struct kmr_ev_cow *e = (const void *)ev;

		fprintf(f, " vaddr=%#" PRIx64 " old=%#" PRIx64 " new=%#" PRIx64 " tid=%u cow=%#x",
			(uint64_t)e->vaddr, (uint64_t)e->old_pfn,
			(uint64_t)e->new_pfn, e->tid, e->cow_flags);
		break;
	}
	case KMR_EV_FAULT: {
		const struct kmr_ev_fault *e = (const void *)ev;

		fprintf(f, " vaddr=%#" PRIx64 " ip=%#" PRIx64 " fault=%#x tid=%u",
			(uint64_t)e->vaddr, (uint64_t)e->ip, e->fault_flags,
			e->tid);
		break;
	}
	case KMR_EV_FORK:
		fprintf(f, " child=%u", ((const struct kmr_ev_fork *)ev)->child_pid);
		break;
	case KMR_EV_EXEC: {
		const struct kmr_ev_exec *e = (const void *)ev;

		fprintf(f, " file=%.*s", (int)e->filename_len, e->filename);
		break;
	}
	case KMR_EV_EXIT:
		fprintf(f, " code=%d", ((const struct kmr_ev_exit *)ev)->exit_code);
		break;
	case KMR_EV_LOST: {
		const struct kmr_ev_lost *e = (const void *)ev;

		fprintf(f, " count=%" PRIu64 " kinds=%#" PRIx64 " first=%" PRIu64 " last=%" PRIu64,
			(uint64_t)e->count, (uint64_t)e->kinds,
			(uint64_t)e->first_ns, (uint64_t)e->last_ns);
		break;
	}
	case KMR_EV_MEM_WRITE: {
		const struct kmr_ev_mem_write *e = (const void *)ev;

		fprintf(f, " vaddr=%#" PRIx64 " len=%" PRIu64 " pid=%u mode=%u",
			(uint64_t)e->vaddr, (uint64_t)e->len, e->writer_pid,
			e->mode);
		break;
	}
	case KMR_EV_PAGE_DATA: {
		const struct kmr_ev_page_data *e = (const void *)ev;

		fprintf(f, " vaddr=%#" PRIx64 " pfn=%#" PRIx64 " len=%u",
			(uint64_t)e->vaddr, (uint64_t)e->pfn, e->len);
		break;
	}
	case KMR_EV_SIGNAL: {
		const struct kmr_ev_signal *e = (const void *)ev;

		fprintf(f, " signo=%u code=%d addr=%#" PRIx64 " tid=%u",
			e->signo, e->code, (uint64_t)e->addr, e->tid);
		break;
	}
	default:
		break;
	}
	fputc('\n', f);
}
