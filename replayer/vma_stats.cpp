#include "vma_stats.h"

#include <algorithm>

namespace kmr::replayer {

VmaStatsCollector::VmaStatsCollector(uint64_t t0, uint64_t t1, unsigned buckets)
    : t0_(t0), t1_(t1 < t0 ? t0 : t1), nbuckets_(buckets ? buckets : 1) {
  outside_.name = "(no VMA)";
  outside_.buckets.assign(nbuckets_, 0);
}

uint64_t VmaStatsCollector::bucketNs() const { return (t1_ - t0_) / nbuckets_ + 1; }

VmaHistogram& VmaStatsCollector::rowFor(uint64_t addr, const ShadowState& state) {
  const Vma* v = state.vmas().find(addr);
  if (!v) return outside_;
  std::string name = displayName(*v);
  bool by_name = v->flags & (KMR_VMA_F_HEAP | KMR_VMA_F_STACK);
  auto [it, fresh] = rows_.try_emplace({by_name ? 0 : v->start, name});
  VmaHistogram& row = it->second;
  if (fresh) {
    row.name = name;
    row.buckets.assign(nbuckets_, 0);
  }
  row.start = v->start;
  row.end = v->end;
  row.vm_flags = v->vm_flags;
  return row;
}

void FaultCounts::count(const Event& ev) {
  if (ev.kind == EventKind::Cow) {
    if (ev.cow.cow_flags & KMR_COW_REUSE) cow_reuse++;
    else cow++;
    return;
  }
  if (ev.kind == EventKind::MemWrite) {
    mem_writes++;
    return;
  }
  uint32_t f = ev.fault.fault_flags;
  faults++;
  if (f & KMR_FAULT_MAJOR) major++;
  else minor++;
  if (f & KMR_FAULT_WRITE) write++;
  if (f & KMR_FAULT_EXEC) exec++;
  if (!(f & (KMR_FAULT_WRITE | KMR_FAULT_EXEC))) read++;
}

void VmaStatsCollector::bump(VmaHistogram& row, uint64_t t) {
  uint64_t b = t <= t0_ ? 0 : (t - t0_) / bucketNs();
  if (b >= nbuckets_) b = nbuckets_ - 1;
  row.buckets[b]++;
}

void VmaStatsCollector::onEvent(const Event& ev, uint64_t, const ShadowState& state,
                                const std::vector<VmaOp>&) {
  uint64_t addr;
  switch (ev.kind) {
    case EventKind::Fault:
      addr = ev.fault.vaddr;
      break;
    case EventKind::Cow:
      addr = ev.cow.vaddr;
      break;
    case EventKind::MemWrite:
      addr = ev.mem_write.vaddr;
      break;
    default:
      return;
  }
  VmaHistogram& row = rowFor(addr, state);
  row.counts.count(ev);
  total_.count(ev);
  if (ev.kind != EventKind::MemWrite) bump(row, ev.time_ns);
}

std::vector<VmaHistogram> VmaStatsCollector::rows() const {
  std::vector<VmaHistogram> v;
  for (const auto& [key, row] : rows_) v.push_back(row);
  std::sort(v.begin(), v.end(),
            [](const VmaHistogram& a, const VmaHistogram& b) { return a.start < b.start; });
  if (outside_.counts.faults || outside_.counts.cow || outside_.counts.cow_reuse ||
      outside_.counts.mem_writes)
    v.push_back(outside_);
  return v;
}

}  // namespace kmr::replayer
