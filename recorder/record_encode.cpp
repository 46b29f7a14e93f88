#include "record_encode.h"

#include <kmemrec/abi.h>

#include <cstring>

namespace kmr::recorder {
namespace {

size_t align8(size_t n) { return (n + 7) & ~size_t(7); }

}  // namespace

size_t recordSize(const Event& ev) {
  switch (ev.kind) {
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd: return sizeof(kmr_ev_snapshot);
    case EventKind::VmaSync: return sizeof(kmr_ev_vma_sync);
    case EventKind::Vma: return align8(sizeof(kmr_ev_vma) + ev.text.size());
    case EventKind::Pte: return sizeof(kmr_ev_pte) + 8 * ev.entries.size();
    case EventKind::PteUnmap: return sizeof(kmr_ev_pte_unmap);
    case EventKind::Cow: return sizeof(kmr_ev_cow);
    case EventKind::Fault: return sizeof(kmr_ev_fault);
    case EventKind::Fork: return sizeof(kmr_ev_fork);
    case EventKind::Exec: return align8(sizeof(kmr_ev_exec) + ev.text.size());
    case EventKind::Exit: return sizeof(kmr_ev_exit);
    case EventKind::Signal: return sizeof(kmr_ev_signal);
    case EventKind::Lost: return sizeof(kmr_ev_lost);
    case EventKind::MemWrite: return sizeof(kmr_ev_mem_write);
    case EventKind::PageData: return align8(sizeof(kmr_ev_page_data) + ev.data.size());
    case EventKind::Gap: return 0;
  }
  return 0;
}

size_t encodeRecord(const Event& ev, void* out, size_t cap) {
  size_t size = recordSize(ev);
  if (!size || size > cap || size > KMR_EV_MAX_SIZE) return 0;
  std::memset(out, 0, size);
  auto* h = static_cast<kmr_event*>(out);
  h->kind = static_cast<uint16_t>(ev.kind);
  h->size = static_cast<uint16_t>(size);
  h->flags = ev.flags;
  h->seq = ev.seq;
  h->time_ns = ev.time_ns;
  switch (ev.kind) {
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd: {
      auto* r = static_cast<kmr_ev_snapshot*>(out);
      r->start = ev.snapshot.start;
      r->end = ev.snapshot.end;
      r->pid = ev.snapshot.pid;
      r->nr_vmas = ev.snapshot.nr_vmas;
      r->nr_ptes = ev.snapshot.nr_ptes;
      break;
    }
    case EventKind::VmaSync: {
      auto* r = static_cast<kmr_ev_vma_sync*>(out);
      r->start = ev.vma_sync.start;
      r->end = ev.vma_sync.end;
      r->count = ev.vma_sync.count;
      break;
    }
    case EventKind::Vma: {
      auto* r = static_cast<kmr_ev_vma*>(out);
      r->sync_seq = ev.vma.sync_seq;
      r->start = ev.vma.start;
      r->end = ev.vma.end;
      r->pgoff = ev.vma.pgoff;
      r->ino = ev.vma.ino;
      r->dev = ev.vma.dev;
      r->vm_flags = ev.vma.vm_flags;
      r->name_len = static_cast<uint16_t>(ev.text.size());
      std::memcpy(r->name, ev.text.data(), ev.text.size());
      break;
    }
    case EventKind::Pte: {
      auto* r = static_cast<kmr_ev_pte*>(out);
      r->vaddr = ev.pte.vaddr;
      r->nr = static_cast<uint32_t>(ev.entries.size());
      r->shift = ev.pte.shift;
      std::memcpy(r->entry, ev.entries.data(), 8 * ev.entries.size());
      break;
    }
    case EventKind::PteUnmap: {
      auto* r = static_cast<kmr_ev_pte_unmap*>(out);
      r->start = ev.pte_unmap.start;
      r->end = ev.pte_unmap.end;
      break;
    }
    case EventKind::Cow: {
      auto* r = static_cast<kmr_ev_cow*>(out);
      r->vaddr = ev.cow.vaddr;
      r->old_pfn = ev.cow.old_pfn;
      r->new_pfn = ev.cow.new_pfn;
      r->tid = ev.cow.tid;
      r->cow_flags = ev.cow.cow_flags;
      break;
    }
    case EventKind::Fault: {
      auto* r = static_cast<kmr_ev_fault*>(out);
      r->vaddr = ev.fault.vaddr;
      r->ip = ev.fault.ip;
      r->fault_flags = ev.fault.fault_flags;
      r->tid = ev.fault.tid;
      break;
    }
    case EventKind::Fork:
      static_cast<kmr_ev_fork*>(out)->child_pid = ev.fork.child_pid;
      break;
    case EventKind::Exec: {
      auto* r = static_cast<kmr_ev_exec*>(out);
      r->filename_len = static_cast<uint16_t>(ev.text.size());
      std::memcpy(r->filename, ev.text.data(), ev.text.size());
      break;
    }
    case EventKind::Exit:
      static_cast<kmr_ev_exit*>(out)->exit_code = ev.exit.code;
      break;
    case EventKind::Signal: {
      auto* r = static_cast<kmr_ev_signal*>(out);
      r->signo = ev.signal.signo;
      r->code = ev.signal.code;
      r->addr = ev.signal.addr;
      r->tid = ev.signal.tid;
      break;
    }
    case EventKind::Lost: {
      auto* r = static_cast<kmr_ev_lost*>(out);
      r->count = ev.lost.count;
      r->kinds = ev.lost.kinds;
      r->first_ns = ev.lost.first_ns;
      r->last_ns = ev.lost.last_ns;
      break;
    }
    case EventKind::MemWrite: {
      auto* r = static_cast<kmr_ev_mem_write*>(out);
      r->vaddr = ev.mem_write.vaddr;
      r->len = ev.mem_write.len;
      r->writer_pid = ev.mem_write.writer_pid;
      r->mode = ev.mem_write.mode;
      break;
    }
    case EventKind::PageData: {
      auto* r = static_cast<kmr_ev_page_data*>(out);
      r->vaddr = ev.page_data.vaddr;
      r->pfn = ev.page_data.pfn;
      r->len = static_cast<uint32_t>(ev.data.size());
      std::memcpy(r->data, ev.data.data(), ev.data.size());
      break;
    }
    case EventKind::Gap:
      return 0;
  }
  return size;
}

}  // namespace kmr::recorder
