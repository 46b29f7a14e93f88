#include "kmr/event.h"

#include <algorithm>
#include <array>
#include <cstring>

namespace kmr {
namespace {

constexpr std::array<std::string_view, kEventKindSlots> kNames = [] {
  std::array<std::string_view, kEventKindSlots> n{};
  n[KMR_EV_SNAPSHOT_BEGIN] = "snapshot-begin";
  n[KMR_EV_SNAPSHOT_END] = "snapshot-end";
  n[KMR_EV_VMA_SYNC] = "vma-sync";
  n[KMR_EV_VMA] = "vma";
  n[KMR_EV_PTE] = "pte";
  n[KMR_EV_PTE_UNMAP] = "pte-unmap";
  n[KMR_EV_COW] = "cow";
  n[KMR_EV_FAULT] = "fault";
  n[KMR_EV_FORK] = "fork";
  n[KMR_EV_EXEC] = "exec";
  n[KMR_EV_EXIT] = "exit";
  n[KMR_EV_LOST] = "lost";
  n[KMR_EV_MEM_WRITE] = "mem-write";
  n[KMR_EV_PAGE_DATA] = "page-data";
  n[KMR_EV_SIGNAL] = "signal";
  n[static_cast<unsigned>(EventKind::Gap)] = "gap";
  return n;
}();

}  // namespace

std::string_view kindName(EventKind kind) {
  auto i = static_cast<unsigned>(kind);
  if (i < kNames.size() && !kNames[i].empty()) return kNames[i];
  return "unknown";
}

std::optional<EventKind> kindFromName(std::string_view name) {
  for (unsigned i = 0; i < kNames.size(); i++)
    if (!kNames[i].empty() && kNames[i] == name) return static_cast<EventKind>(i);
  return std::nullopt;
}

Event makeSnapshot(uint64_t seq, uint64_t t, bool end, uint32_t cause, const SnapshotData& d) {
  Event ev = makeEventBase(seq, t, end ? EventKind::SnapshotEnd : EventKind::SnapshotBegin, cause);
  ev.snapshot = d;
  return ev;
}

Event makeVmaSync(uint64_t seq, uint64_t t, uint32_t cause, uint64_t start, uint64_t end,
                  uint32_t count) {
  Event ev = makeEventBase(seq, t, EventKind::VmaSync, cause);
  ev.vma_sync = {start, end, count};
  return ev;
}

Event makeVma(uint64_t seq, uint64_t t, uint32_t vma_flags, const VmaData& d,
              std::string_view name) {
  Event ev = makeEventBase(seq, t, EventKind::Vma, vma_flags);
  ev.vma = d;
  ev.text = name;
  return ev;
}

Event makePteUnmap(uint64_t seq, uint64_t t, uint32_t reason, uint64_t start, uint64_t end) {
  Event ev = makeEventBase(seq, t, EventKind::PteUnmap, reason);
  ev.pte_unmap = {start, end};
  return ev;
}

Event makeFork(uint64_t seq, uint64_t t, uint32_t child_pid) {
  Event ev = makeEventBase(seq, t, EventKind::Fork, 0);
  ev.fork = {child_pid};
  return ev;
}

Event makeExec(uint64_t seq, uint64_t t, std::string_view filename) {
  Event ev = makeEventBase(seq, t, EventKind::Exec, 0);
  ev.text = filename;
  return ev;
}

Event makeSignal(uint64_t seq, uint64_t t, uint32_t flags, const SignalData& d) {
  Event ev = makeEventBase(seq, t, EventKind::Signal, flags);
  ev.signal = d;
  return ev;
}

Event makeExit(uint64_t seq, uint64_t t, int32_t code) {
  Event ev = makeEventBase(seq, t, EventKind::Exit, 0);
  ev.exit = {code};
  return ev;
}

Event makeLost(uint64_t seq, uint64_t t, const LostData& d) {
  Event ev = makeEventBase(seq, t, EventKind::Lost, 0);
  ev.lost = d;
  return ev;
}

Event makeMemWrite(uint64_t seq, uint64_t t, const MemWriteData& d) {
  Event ev = makeEventBase(seq, t, EventKind::MemWrite, 0);
  ev.mem_write = d;
  return ev;
}

Event makePageData(uint64_t seq, uint64_t t, uint32_t flags, uint64_t vaddr, uint64_t pfn,
                   std::span<const uint8_t> bytes) {
  Event ev = makeEventBase(seq, t, EventKind::PageData, flags);
  ev.page_data = {vaddr, pfn};
  ev.data = bytes;
  return ev;
}

bool operator==(const Event& a, const Event& b) {
  if (a.seq != b.seq || a.time_ns != b.time_ns || a.kind != b.kind || a.flags != b.flags)
    return false;
  if (a.text != b.text) return false;
  if (!std::ranges::equal(a.entries, b.entries) || !std::ranges::equal(a.data, b.data))
    return false;
  switch (a.kind) {
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd:
      return a.snapshot.start == b.snapshot.start && a.snapshot.end == b.snapshot.end &&
             a.snapshot.pid == b.snapshot.pid && a.snapshot.nr_vmas == b.snapshot.nr_vmas &&
             a.snapshot.nr_ptes == b.snapshot.nr_ptes;
    case EventKind::VmaSync:
      return a.vma_sync.start == b.vma_sync.start && a.vma_sync.end == b.vma_sync.end &&
             a.vma_sync.count == b.vma_sync.count;
    case EventKind::Vma:
      return a.vma.sync_seq == b.vma.sync_seq && a.vma.start == b.vma.start &&
             a.vma.end == b.vma.end && a.vma.pgoff == b.vma.pgoff && a.vma.ino == b.vma.ino &&
             a.vma.dev == b.vma.dev && a.vma.vm_flags == b.vma.vm_flags;
    case EventKind::Pte:
      return a.pte.vaddr == b.pte.vaddr && a.pte.shift == b.pte.shift;
    case EventKind::PteUnmap:
      return a.pte_unmap.start == b.pte_unmap.start && a.pte_unmap.end == b.pte_unmap.end;
    case EventKind::Cow:
      return a.cow.vaddr == b.cow.vaddr && a.cow.old_pfn == b.cow.old_pfn &&
             a.cow.new_pfn == b.cow.new_pfn && a.cow.tid == b.cow.tid &&
             a.cow.cow_flags == b.cow.cow_flags;
    case EventKind::Fault:
      return a.fault.vaddr == b.fault.vaddr && a.fault.ip == b.fault.ip &&
             a.fault.fault_flags == b.fault.fault_flags && a.fault.tid == b.fault.tid;
    case EventKind::Fork:
      return a.fork.child_pid == b.fork.child_pid;
    case EventKind::Exec:
      return true;
    case EventKind::Exit:
      return a.exit.code == b.exit.code;
    case EventKind::Lost:
      return a.lost.count == b.lost.count && a.lost.kinds == b.lost.kinds &&
             a.lost.first_ns == b.lost.first_ns && a.lost.last_ns == b.lost.last_ns;
    case EventKind::MemWrite:
      return a.mem_write.vaddr == b.mem_write.vaddr && a.mem_write.len == b.mem_write.len &&
             a.mem_write.writer_pid == b.mem_write.writer_pid &&
             a.mem_write.mode == b.mem_write.mode;
    case EventKind::PageData:
      return a.page_data.vaddr == b.page_data.vaddr && a.page_data.pfn == b.page_data.pfn;
    case EventKind::Signal:
      return a.signal.signo == b.signal.signo && a.signal.code == b.signal.code &&
             a.signal.addr == b.signal.addr && a.signal.tid == b.signal.tid;
    case EventKind::Gap:
      return a.gap.chunk == b.gap.chunk && a.gap.events == b.gap.events &&
             a.gap.first_ns == b.gap.first_ns && a.gap.last_ns == b.gap.last_ns;
  }
  return false;
}

}  // namespace kmr
