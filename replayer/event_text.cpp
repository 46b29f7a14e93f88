#include "event_text.h"

#include "base/abi_names.h"
#include "base/numbers.h"

namespace kmr::replayer {
namespace {

std::string range(uint64_t b, uint64_t e) { return hex(b) + "-" + hex(e); }

bool overlaps(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2) { return b1 < e2 && b2 < e1; }

// "pfn 1a2b3 wdyxa-e--" for one entry; a summary for runs.
std::string entriesText(const Event& ev) {
  auto entries = ev.entries;
  if (entries.size() == 1) {
    uint64_t e = entries[0];
    if (!(KMR_PTE_FLAGS(e) & KMR_PTE_PRESENT))
      return "not present" + std::string(KMR_PTE_FLAGS(e) & KMR_PTE_SWAP ? " (swap)" : "");
    return "pfn " + hex(KMR_PTE_PFN(e)) + " " + pteFlagsText(KMR_PTE_FLAGS(e));
  }
  size_t present = 0;
  uint64_t first = 0;
  for (uint64_t e : entries)
    if (KMR_PTE_FLAGS(e) & KMR_PTE_PRESENT) {
      if (!present) first = e;
      present++;
    }
  std::string s = std::to_string(present) + "/" + std::to_string(entries.size()) + " present";
  if (present) s += ", first pfn " + hex(KMR_PTE_PFN(first)) + " " + pteFlagsText(KMR_PTE_FLAGS(first));
  return s;
}

}  // namespace

std::string eventDetails(const Event& ev) {
  switch (ev.kind) {
    case EventKind::SnapshotBegin:
      return snapshotCauseName(ev.flags) + " pid " + std::to_string(ev.snapshot.pid) + " range " +
             range(ev.snapshot.start, ev.snapshot.end);
    case EventKind::SnapshotEnd:
      return snapshotCauseName(ev.flags) + " " + std::to_string(ev.snapshot.nr_vmas) + " VMAs, " +
             std::to_string(ev.snapshot.nr_ptes) + " PTEs";
    case EventKind::VmaSync:
      return vmaCauseName(ev.flags) + " window " + range(ev.vma_sync.start, ev.vma_sync.end) +
             ", " + std::to_string(ev.vma_sync.count) + " VMAs";
    case EventKind::Vma: {
      std::string name(ev.text);
      if (name.empty())
        name = ev.flags & KMR_VMA_F_HEAP ? "[heap]" : ev.flags & KMR_VMA_F_STACK ? "[stack]" : "[anon]";
      return range(ev.vma.start, ev.vma.end) + " " + permString(ev.vma.vm_flags) + " pgoff " +
             hex(ev.vma.pgoff) + (ev.vma.ino ? " ino " + std::to_string(ev.vma.ino) : "") + " " +
             name + " (window " + std::to_string(ev.vma.sync_seq) + ")";
    }
    case EventKind::Pte: {
      std::string s = pteCauseName(ev.flags) + " " + hex(ev.pte.vaddr);
      if (ev.entries.size() != 1 || ev.pte.shift != 12)
        s += " x" + std::to_string(ev.entries.size()) + " of " +
             (ev.pte.shift == 12 ? std::string("4K")
              : ev.pte.shift == 21 ? std::string("2M")
              : ev.pte.shift == 30 ? std::string("1G")
                                   : "2^" + std::to_string(ev.pte.shift));
      return s + ": " + entriesText(ev);
    }
    case EventKind::PteUnmap:
      return unmapReasonName(ev.flags) + " " + range(ev.pte_unmap.start, ev.pte_unmap.end) + " (" +
             std::to_string((ev.pte_unmap.end - ev.pte_unmap.start + 4095) / 4096) + " pages)";
    case EventKind::Cow:
      return hex(ev.cow.vaddr) + " pfn " + hex(ev.cow.old_pfn) + " -> " + hex(ev.cow.new_pfn) +
             " " + cowFlagsText(ev.cow.cow_flags) + " tid " + std::to_string(ev.cow.tid);
    case EventKind::Fault:
      return hex(ev.fault.vaddr) + " " + faultFlagsText(ev.fault.fault_flags) + " ip " +
             hex(ev.fault.ip) + " tid " + std::to_string(ev.fault.tid);
    case EventKind::Fork:
      return "child " + std::to_string(ev.fork.child_pid);
    case EventKind::Exec:
      return std::string(ev.text);
    case EventKind::Exit:
      return describeWaitStatus(ev.exit.code);
    case EventKind::Signal:
      return signalText(ev.signal.signo) + " " + signalCodeText(ev.signal.signo, ev.signal.code) +
             (ev.signal.addr ? " at " + hex(ev.signal.addr) : "") + " tid " +
             std::to_string(ev.signal.tid) +
             (ev.flags & KMR_SIGNAL_F_COREDUMP ? " (fatal: core dump, then exit)" : " (fatal)");
    case EventKind::Lost:
      return std::to_string(ev.lost.count) + " records lost (" + kindsMaskText(ev.lost.kinds) +
             "); state they touched is unknown until the next snapshot";
    case EventKind::MemWrite:
      return hex(ev.mem_write.vaddr) + " " + std::to_string(ev.mem_write.len) + " bytes by pid " +
             std::to_string(ev.mem_write.writer_pid) + " (" + memModeName(ev.mem_write.mode) + ")";
    case EventKind::PageData: {
      std::string s = hex(ev.page_data.vaddr) + " pfn " + hex(ev.page_data.pfn);
      if (ev.flags & KMR_PAGE_DATA_HASH && ev.data.size() == 8) {
        uint64_t h = 0;
        for (int i = 7; i >= 0; i--) h = h << 8 | ev.data[static_cast<size_t>(i)];
        s += " xxh64 " + hex(h);
      } else {
        s += " " + std::to_string(ev.data.size()) + " bytes";
      }
      return s + (ev.flags & KMR_PAGE_DATA_COW ? " (cow)" : "");
    }
    case EventKind::Gap:
      return "chunk " + std::to_string(ev.gap.chunk) + " is damaged: " +
             std::to_string(ev.gap.events) + " events unreadable; state unknown from here";
  }
  return "";
}

nlohmann::json eventJson(const Event& ev) {
  nlohmann::json j = {{"seq", ev.seq}, {"time_ns", ev.time_ns}, {"kind", kindName(ev.kind)},
                      {"flags", ev.flags}};
  switch (ev.kind) {
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd:
      j["cause"] = snapshotCauseName(ev.flags);
      j["start"] = ev.snapshot.start;
      j["end"] = ev.snapshot.end;
      j["pid"] = ev.snapshot.pid;
      j["nr_vmas"] = ev.snapshot.nr_vmas;
      j["nr_ptes"] = ev.snapshot.nr_ptes;
      break;
    case EventKind::VmaSync:
      j["cause"] = vmaCauseName(ev.flags);
      j["start"] = ev.vma_sync.start;
      j["end"] = ev.vma_sync.end;
      j["count"] = ev.vma_sync.count;
      break;
    case EventKind::Vma:
      j["sync_seq"] = ev.vma.sync_seq;
      j["start"] = ev.vma.start;
      j["end"] = ev.vma.end;
      j["pgoff"] = ev.vma.pgoff;
      j["ino"] = ev.vma.ino;
      j["dev"] = ev.vma.dev;
      j["vm_flags"] = ev.vma.vm_flags;
      j["perm"] = permString(ev.vma.vm_flags);
      j["name"] = std::string(ev.text);
      break;
    case EventKind::Pte: {
      j["cause"] = pteCauseName(ev.flags);
      j["vaddr"] = ev.pte.vaddr;
      j["shift"] = ev.pte.shift;
      nlohmann::json e = nlohmann::json::array();
      for (uint64_t x : ev.entries) e.push_back({{"pfn", KMR_PTE_PFN(x)}, {"flags", KMR_PTE_FLAGS(x)}});
      j["entries"] = e;
      break;
    }
    case EventKind::PteUnmap:
      j["reason"] = unmapReasonName(ev.flags);
      j["start"] = ev.pte_unmap.start;
      j["end"] = ev.pte_unmap.end;
      break;
    case EventKind::Cow:
      j["vaddr"] = ev.cow.vaddr;
      j["old_pfn"] = ev.cow.old_pfn;
      j["new_pfn"] = ev.cow.new_pfn;
      j["tid"] = ev.cow.tid;
      j["cow_flags"] = ev.cow.cow_flags;
      break;
    case EventKind::Fault:
      j["vaddr"] = ev.fault.vaddr;
      j["ip"] = ev.fault.ip;
      j["fault_flags"] = ev.fault.fault_flags;
      j["tid"] = ev.fault.tid;
      break;
    case EventKind::Fork:
      j["child_pid"] = ev.fork.child_pid;
      break;
    case EventKind::Exec:
      j["filename"] = std::string(ev.text);
      break;
    case EventKind::Exit:
      j["code"] = ev.exit.code;
      break;
    case EventKind::Signal:
      j["signal"] = signalText(ev.signal.signo);
      j["signo"] = ev.signal.signo;
      j["code"] = ev.signal.code;
      j["code_name"] = signalCodeText(ev.signal.signo, ev.signal.code);
      j["addr"] = ev.signal.addr;
      j["tid"] = ev.signal.tid;
      j["coredump"] = (ev.flags & KMR_SIGNAL_F_COREDUMP) != 0;
      break;
    case EventKind::Lost:
      j["count"] = ev.lost.count;
      j["kinds"] = ev.lost.kinds;
      j["first_ns"] = ev.lost.first_ns;
      j["last_ns"] = ev.lost.last_ns;
      break;
    case EventKind::MemWrite:
      j["vaddr"] = ev.mem_write.vaddr;
      j["len"] = ev.mem_write.len;
      j["writer_pid"] = ev.mem_write.writer_pid;
      j["mode"] = memModeName(ev.mem_write.mode);
      break;
    case EventKind::PageData:
      j["vaddr"] = ev.page_data.vaddr;
      j["pfn"] = ev.page_data.pfn;
      j["bytes"] = ev.data.size();
      break;
    case EventKind::Gap:
      j["chunk"] = ev.gap.chunk;
      j["events"] = ev.gap.events;
      break;
  }
  return j;
}

std::string opDetails(const VmaOp& op) {
  std::string s = range(op.start, op.end) + " " + permString(op.vm_flags) + " " + op.name;
  switch (op.kind) {
    case VmaOpKind::Move:
      s += " from " + range(op.old_start, op.old_end);
      break;
    case VmaOpKind::Grow:
      s += " (was " + range(op.old_start, op.old_end) + ")";
      break;
    case VmaOpKind::Protect:
      s += " (was " + permString(op.old_vm_flags) + ")";
      break;
    default:
      break;
  }
  return s + " [" + vmaCauseName(op.cause) + "]";
}

nlohmann::json opJson(const VmaOp& op) {
  return {{"op", vmaOpName(op.kind)}, {"start", op.start},     {"end", op.end},
          {"old_start", op.old_start}, {"old_end", op.old_end}, {"vm_flags", op.vm_flags},
          {"old_vm_flags", op.old_vm_flags}, {"cause", vmaCauseName(op.cause)},
          {"name", op.name}};
}

bool eventTouches(const Event& ev, uint64_t b, uint64_t e) {
  switch (ev.kind) {
    case EventKind::Pte: {
      uint64_t len = ev.entries.size() << (ev.pte.shift < 64 ? ev.pte.shift : 63);
      return overlaps(ev.pte.vaddr, ev.pte.vaddr + len, b, e);
    }
    case EventKind::PteUnmap:
      return overlaps(ev.pte_unmap.start, ev.pte_unmap.end, b, e);
    case EventKind::Fault:
      return overlaps(ev.fault.vaddr & ~4095ull, (ev.fault.vaddr & ~4095ull) + 4096, b, e);
    case EventKind::Cow:
      return overlaps(ev.cow.vaddr & ~4095ull, (ev.cow.vaddr & ~4095ull) + 4096, b, e);
    case EventKind::Vma:
      return overlaps(ev.vma.start, ev.vma.end, b, e);
    case EventKind::VmaSync:
      return overlaps(ev.vma_sync.start, ev.vma_sync.end, b, e);
    case EventKind::MemWrite:
      return overlaps(ev.mem_write.vaddr, ev.mem_write.vaddr + std::max<uint64_t>(ev.mem_write.len, 1), b, e);
    case EventKind::PageData:
      return overlaps(ev.page_data.vaddr & ~4095ull, (ev.page_data.vaddr & ~4095ull) + 4096, b, e);
    default:  // whole address space events
      return ev.kind != EventKind::Fork;
  }
}

bool opTouches(const VmaOp& op, uint64_t b, uint64_t e) {
  return overlaps(op.start, op.end, b, e) || overlaps(op.old_start, op.old_end, b, e);
}

}  // namespace kmr::replayer
