#include "translate.h"

#include <cstring>

namespace kmr::recorder {
namespace detail {

// Every kind but PTE: one event.
bool translateOne(const kmr_event& rec, Event* out, const char** why) {
  const uint64_t seq = rec.seq, t = rec.time_ns;
  switch (rec.kind) {
    case KMR_EV_SNAPSHOT_BEGIN:
    case KMR_EV_SNAPSHOT_END: {
      auto* r = as<kmr_ev_snapshot>(rec, why);
      if (!r) return false;
      *out = makeSnapshot(seq, t, rec.kind == KMR_EV_SNAPSHOT_END, rec.flags,
                          {r->start, r->end, r->pid, r->nr_vmas, r->nr_ptes});
      return true;
    }
    case KMR_EV_VMA_SYNC: {
      auto* r = as<kmr_ev_vma_sync>(rec, why);
      if (!r) return false;
      *out = makeVmaSync(seq, t, rec.flags, r->start, r->end, r->count);
      return true;
    }
    case KMR_EV_VMA: {
      auto* r = as<kmr_ev_vma>(rec, why);
      if (!r) return false;
      if (r->name_len > tail<kmr_ev_vma>(rec) || r->name_len > KMR_NAME_MAX) {
        *why = "VMA name longer than the record";
        return false;
      }
      VmaData d{r->sync_seq, r->start, r->end, r->pgoff, r->ino, r->dev, r->vm_flags};
      *out = makeVma(seq, t, rec.flags, d, std::string_view(r->name, r->name_len));
      return true;
    }
    case KMR_EV_PTE_UNMAP: {
      auto* r = as<kmr_ev_pte_unmap>(rec, why);
      if (!r) return false;
      *out = makePteUnmap(seq, t, rec.flags, r->start, r->end);
      return true;
    }
    case KMR_EV_COW: {
      auto* r = as<kmr_ev_cow>(rec, why);
      if (!r) return false;
      fillCow(*out, seq, t, rec.flags, {r->vaddr, r->old_pfn, r->new_pfn, r->tid, r->cow_flags});
      return true;
    }
    case KMR_EV_FAULT: {
      auto* r = as<kmr_ev_fault>(rec, why);
      if (!r) return false;
      fillFault(*out, seq, t, rec.flags, {r->vaddr, r->ip, r->fault_flags, r->tid});
      return true;
    }
    case KMR_EV_FORK: {
      auto* r = as<kmr_ev_fork>(rec, why);
      if (!r) return false;
      *out = makeFork(seq, t, r->child_pid);
      out->flags = rec.flags;
      return true;
    }
    case KMR_EV_EXEC: {
      auto* r = as<kmr_ev_exec>(rec, why);
      if (!r) return false;
      if (r->filename_len > tail<kmr_ev_exec>(rec) || r->filename_len > KMR_NAME_MAX) {
        *why = "exec filename longer than the record";
        return false;
      }
      *out = makeExec(seq, t, std::string_view(r->filename, r->filename_len));
      out->flags = rec.flags;
      return true;
    }
    case KMR_EV_EXIT: {
      auto* r = as<kmr_ev_exit>(rec, why);
      if (!r) return false;
      *out = makeExit(seq, t, r->exit_code);
      out->flags = rec.flags;
      return true;
    }
    case KMR_EV_SIGNAL: {
      auto* r = as<kmr_ev_signal>(rec, why);
      if (!r) return false;
      *out = makeSignal(seq, t, rec.flags, {r->signo, r->code, r->addr, r->tid});
      return true;
    }
    case KMR_EV_LOST: {
      auto* r = as<kmr_ev_lost>(rec, why);
      if (!r) return false;
      *out = makeLost(seq, t, {r->count, r->kinds, r->first_ns, r->last_ns});
      out->flags = rec.flags;
      return true;
    }
    case KMR_EV_MEM_WRITE: {
      auto* r = as<kmr_ev_mem_write>(rec, why);
      if (!r) return false;
      *out = makeMemWrite(seq, t, {r->vaddr, r->len, r->writer_pid, r->mode});
      out->flags = rec.flags;
      return true;
    }
    case KMR_EV_PAGE_DATA: {
      auto* r = as<kmr_ev_page_data>(rec, why);
      if (!r) return false;
      if (r->len > tail<kmr_ev_page_data>(rec)) {
        *why = "page data longer than the record";
        return false;
      }
      *out = makePageData(seq, t, rec.flags, r->vaddr, r->pfn,
                          std::span<const uint8_t>(r->data, r->len));
      return true;
    }
    default:
      *why = "unknown record kind";
      return false;
  }
}

}  // namespace detail

}  // namespace kmr::recorder
