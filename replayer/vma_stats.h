// Per-VMA fault statistics (the --hist view; the seed's pf_stat): faults by
// kind and over time, keyed by the VMA the faulting address was in.
//
// A VMA is identified by its name for [heap] and [stack] (they grow and
// move their start) and by start address + name otherwise; a row shows the
// latest extent seen.  Faults outside every VMA (or while VMAs are unknown)
// count in the "(no VMA)" row.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "kmr/replay.h"

namespace kmr::replayer {

struct FaultCounts {
  uint64_t faults = 0;
  uint64_t minor = 0;
  uint64_t major = 0;
  uint64_t cow = 0;        // COW events that copied a page
  uint64_t cow_reuse = 0;  // COW events that reused it (KMR_COW_REUSE)
  uint64_t write = 0;
  uint64_t read = 0;   // neither write nor exec
  uint64_t exec = 0;
  uint64_t mem_writes = 0;  // writes through kmemrec
  bool operator==(const FaultCounts&) const = default;
  // Counts one FAULT, COW or MEM_WRITE event (the caller picks the row).
  void count(const Event& ev);
};

struct VmaHistogram {
  uint64_t start = 0;
  uint64_t end = 0;
  std::string name;        // displayName, "(no VMA)" for the outside row
  uint32_t vm_flags = 0;
  FaultCounts counts;
  std::vector<uint64_t> buckets;  // faults + CoWs per time bucket
};

class VmaStatsCollector : public EventVisitor {
 public:
  // Buckets split [t0, t1] (absolute ns) evenly.
  VmaStatsCollector(uint64_t t0, uint64_t t1, unsigned buckets);

  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState& state,
               const std::vector<VmaOp>& ops) override;

  // Rows in address order, the "(no VMA)" row last.
  std::vector<VmaHistogram> rows() const;
  const FaultCounts& total() const { return total_; }
  uint64_t bucketNs() const;

 private:
  VmaHistogram& rowFor(uint64_t addr, const ShadowState& state);
  void bump(VmaHistogram& row, uint64_t t);

  uint64_t t0_, t1_;
  unsigned nbuckets_;
  std::map<std::pair<uint64_t, std::string>, VmaHistogram> rows_;
  VmaHistogram outside_;
  FaultCounts total_;
};

}  // namespace kmr::replayer
