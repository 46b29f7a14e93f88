// A time x address grid of counts, filled in one streaming pass over a
// trace of any length, with bounded memory.
//
// Time is split into a fixed number of columns over [t0, t1].  Addresses
// are split into granules of 2^shift pages; only granules that were ever
// touched exist, and when more than max_granules exist the granule size
// doubles (neighbours merge), so memory stays below max_granules x columns
// counters whatever the trace size.  Two kinds of value:
//
//   counts    add(): events per cell (faults, CoW, pages first touched)
//   levels    levelDelta() / recount(): resident pages of each granule;
//             a cell holds the highest level during its column
//
// The views draw bands of rows over address ranges from forEachGranule().
#pragma once

#include <cstdint>
#include <vector>

#include "kmr/page_table.h"

namespace kmr::replayer {

class HeatGrid {
 public:
  HeatGrid(uint64_t t0, uint64_t t1, unsigned columns, size_t max_granules);

  unsigned columns() const { return columns_; }
  unsigned shift() const { return shift_; }  // granule = 2^shift pages
  size_t granules() const { return keys_.size(); }
  uint64_t t0() const { return t0_; }
  uint64_t t1() const { return t1_; }
  unsigned columnOf(uint64_t t) const;

  // Counts: n events at page vpn at time t; a range spreads n over the
  // pages of [vpn, vpn_end).
  void add(uint64_t vpn, uint64_t t, uint32_t n = 1);
  void addRange(uint64_t vpn, uint64_t vpn_end, uint64_t t, uint64_t n);

  // Levels: the pages [vpn, vpn_end) changed the level by delta (one
  // granule), or recount every granule overlapping the range from `pages`.
  void levelDelta(uint64_t vpn, uint64_t vpn_end, int64_t delta, uint64_t t,
                  const PageTable& pages);
  void recount(uint64_t vpn, uint64_t vpn_end, uint64_t t, const PageTable& pages);
  // Fill the level columns up to the end (call once after the pass).
  void finishLevels();

  // fn(first vpn, end vpn, const uint32_t* cells) for every granule, in
  // address order.
  template <class F>
  void forEachGranule(F&& fn) const {
    flushAdds();
    std::vector<uint32_t> order(keys_.size());
    for (uint32_t i = 0; i < order.size(); i++) order[i] = i;
    sortByKey(order);
    for (uint32_t s : order)
      fn(keys_[s] << shift_, (keys_[s] + 1) << shift_, &cells_[size_t{s} * columns_]);
  }
  uint32_t maxCell() const;

 private:
  uint32_t slotFor(uint64_t key);  // creates, may coarsen first
  int64_t find(uint64_t key) const;
  void insertIndex(uint64_t key, uint32_t slot);
  void coarsen();
  void setLevel(uint32_t slot, uint64_t level, unsigned col);
  void flushLevel(uint32_t slot, unsigned col);  // write columns before col
  void sortByKey(std::vector<uint32_t>& slots) const;
  void flushAdds() const;  // pending counts into cells_

  uint64_t t0_, t1_;
  unsigned columns_;
  size_t max_granules_;
  unsigned shift_ = 0;
  std::vector<uint64_t> keys_;   // by slot: vpn >> shift
  // By slot: columns_ counters.  Mutable: counts of the column being filled
  // wait in pend_ and reach cells_ when the column changes or on a read.
  mutable std::vector<uint32_t> cells_;
  // add() sums the current column in a dense per-slot array: events come in
  // time order, so a row of cells_ (a cache miss each) is touched once per
  // column and slot instead of once per event.
  mutable std::vector<uint32_t> pend_;        // by slot
  mutable std::vector<uint32_t> pend_slots_;  // slots with pend_ != 0
  unsigned pend_col_ = 0;
  std::vector<uint64_t> level_;  // by slot: current level
  std::vector<uint32_t> filled_;  // by slot: columns before it are written
  std::vector<uint64_t> col_max_;  // by slot: highest level in column filled_ so far
  std::vector<uint32_t> index_;  // open addressing: slot + 1, 0 = empty
  uint64_t cache_key_ = UINT64_MAX;
  uint32_t cache_slot_ = 0;
};

}  // namespace kmr::replayer
