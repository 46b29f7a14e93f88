// Which pages are present, one bit each, and how many: the number the views
// need after every event (resident pages per VMA come from its change).
//
// ShadowState's page table does not keep a running count (reading each old
// entry would cost a cache miss per random page; it counts on demand by
// walking the tree), so the views keep this bitmap beside it: 64 times
// denser than the table, so a random-access trace's working set stays in
// cache.  apply() mirrors ShadowState's rules for PTE and PTE_UNMAP records
// (shifts 12/21/30, alignment, the traced range) and its resets (snapshot
// begin, exec, exit); a test checks the two agree on every kmemsynth pattern.
#pragma once

#include <cstdint>
#include <memory>
#include <unordered_map>

#include "kmr/event.h"
#include "kmr/page_table.h"

namespace kmr::replayer {

class PresenceMap {
 public:
  // Start from a state's traced range (in pages) and present pages.
  void load(uint64_t first_vpn, uint64_t end_vpn, const PageTable& pages);
  // Apply one event; returns the change of present pages.
  int64_t apply(const Event& ev);
  uint64_t count() const { return count_; }
  bool test(uint64_t vpn) const;

 private:
  static constexpr unsigned kChunkShift = 18;  // 1 GiB of address = 32 KiB of bits
  static constexpr uint64_t kWords = (uint64_t{1} << kChunkShift) / 64;
  struct Chunk {
    uint64_t w[kWords] = {};
  };

  Chunk* chunk(uint64_t key, bool create);
  int64_t setRange(uint64_t begin, uint64_t end, bool present);
  void clearAll();

  uint64_t first_ = 0, end_ = PageTable::kVpnLimit;
  uint64_t count_ = 0;
  std::unordered_map<uint64_t, std::unique_ptr<Chunk>> chunks_;
  uint64_t cache_key_ = UINT64_MAX;
  Chunk* cache_ = nullptr;
};

}  // namespace kmr::replayer
