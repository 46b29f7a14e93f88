#include "heat_grid.h"

#include <algorithm>
#include <bit>

namespace kmr::replayer {
namespace {

uint32_t saturate(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : static_cast<uint32_t>(v); }

size_t hashKey(uint64_t key, size_t mask) {
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ull) >> 32) & mask;
}

}  // namespace

HeatGrid::HeatGrid(uint64_t t0, uint64_t t1, unsigned columns, size_t max_granules)
    : t0_(t0), t1_(t1 < t0 ? t0 : t1), columns_(columns ? columns : 1),
      max_granules_(max_granules < 2 ? 2 : max_granules) {
  index_.assign(std::bit_ceil(max_granules_ * 2), 0);
}

unsigned HeatGrid::columnOf(uint64_t t) const {
  if (t <= t0_) return 0;
  unsigned __int128 c = static_cast<unsigned __int128>(t - t0_) * columns_ / (t1_ - t0_ + 1);
  return c >= columns_ ? columns_ - 1 : static_cast<unsigned>(c);
}

int64_t HeatGrid::find(uint64_t key) const {
  size_t mask = index_.size() - 1;
  for (size_t i = hashKey(key, mask);; i = (i + 1) & mask) {
    uint32_t v = index_[i];
    if (v == 0) return -1;
    if (keys_[v - 1] == key) return v - 1;
  }
}

void HeatGrid::insertIndex(uint64_t key, uint32_t slot) {
  size_t mask = index_.size() - 1;
  size_t i = hashKey(key, mask);
  while (index_[i]) i = (i + 1) & mask;
  index_[i] = slot + 1;
}

uint32_t HeatGrid::slotFor(uint64_t vpn) {
  for (;;) {
    uint64_t key = vpn >> shift_;
    if (key == cache_key_) return cache_slot_;
    int64_t s = find(key);
    if (s < 0) {
      if (keys_.size() >= max_granules_) {
        coarsen();
        continue;
      }
      s = static_cast<int64_t>(keys_.size());
      keys_.push_back(key);
      cells_.resize(cells_.size() + columns_, 0);
      level_.push_back(0);
      filled_.push_back(0);
      col_max_.push_back(0);
      insertIndex(key, static_cast<uint32_t>(s));
    }
    cache_key_ = key;
    cache_slot_ = static_cast<uint32_t>(s);
    return cache_slot_;
  }
}

// Double the granule size: pairs of neighbours become one granule.  Levels
// are first carried to the same column so the sums line up.
void HeatGrid::coarsen() {
  flushAdds();  // pending counts are by the old slot numbers
  uint32_t upto = 0;
  for (uint32_t f : filled_) upto = std::max(upto, f);
  unsigned target = upto + 1 < columns_ ? upto + 1 : upto;
  for (uint32_t s = 0; s < keys_.size(); s++) {
    flushLevel(s, target);
    uint32_t& building = cells_[size_t{s} * columns_ + filled_[s]];
    building = std::max(building, saturate(col_max_[s]));
  }
  std::vector<uint32_t> cells;
  std::vector<uint64_t> level;
  std::vector<uint32_t> filled;
  std::fill(index_.begin(), index_.end(), 0);
  std::vector<uint64_t> old_keys = std::move(keys_);
  keys_.clear();
  shift_++;
  for (uint32_t s = 0; s < old_keys.size(); s++) {
    uint64_t key = old_keys[s] >> 1;
    int64_t d = find(key);
    if (d < 0) {
      d = static_cast<int64_t>(keys_.size());
      keys_.push_back(key);
      cells.resize(cells.size() + columns_, 0);
      level.push_back(0);
      filled.push_back(target);
      insertIndex(key, static_cast<uint32_t>(d));
    }
    uint32_t* to = &cells[static_cast<size_t>(d) * columns_];
    const uint32_t* from = &cells_[size_t{s} * columns_];
    for (unsigned c = 0; c < columns_; c++) to[c] = saturate(uint64_t{to[c]} + from[c]);
    level[d] += level_[s];
  }
  cells_ = std::move(cells);
  filled_ = std::move(filled);
  col_max_ = level;  // the merged levels start the next column
  level_ = std::move(level);
  cache_key_ = UINT64_MAX;
}

void HeatGrid::add(uint64_t vpn, uint64_t t, uint32_t n) {
  if (n == 0) return;
  uint32_t s = slotFor(vpn);  // may coarsen, which flushes
  unsigned col = columnOf(t);
  if (col != pend_col_) {
    flushAdds();
    pend_col_ = col;
  }
  if (s >= pend_.size()) pend_.resize(keys_.size(), 0);
  uint32_t& p = pend_[s];
  if (p == 0) pend_slots_.push_back(s);
  p = saturate(uint64_t{p} + n);
}

void HeatGrid::flushAdds() const {
  for (uint32_t s : pend_slots_) {
    uint32_t& cell = cells_[size_t{s} * columns_ + pend_col_];
    cell = saturate(uint64_t{cell} + pend_[s]);
    pend_[s] = 0;
  }
  pend_slots_.clear();
}

void HeatGrid::addRange(uint64_t vpn, uint64_t vpn_end, uint64_t t, uint64_t n) {
  if (vpn_end <= vpn || n == 0) return;
  if ((vpn >> shift_) == ((vpn_end - 1) >> shift_) || vpn_end - vpn > (uint64_t{1} << 20)) {
    add(vpn, t, saturate(n));
    return;
  }
  uint64_t total = vpn_end - vpn, given = 0;
  for (uint64_t a = vpn; a < vpn_end;) {
    uint64_t next = std::min(vpn_end, ((a >> shift_) + 1) << shift_);
    uint64_t share = n * (next - vpn) / total - given;  // cumulative: no remainder lost
    given += share;
    if (share) add(a, t, saturate(share));
    a = next;
  }
}

// Levels: column filled_[s] is the one being built (its highest level so
// far in col_max_); columns before it are written.  A change in a later
// column writes the built one, and the old level into those in between.
void HeatGrid::flushLevel(uint32_t s, unsigned col) {
  if (col <= filled_[s]) return;
  uint32_t* cells = &cells_[size_t{s} * columns_];
  unsigned f = filled_[s];
  cells[f] = std::max(cells[f], saturate(col_max_[s]));
  uint32_t held = saturate(level_[s]);
  for (unsigned c = f + 1; c < col; c++) cells[c] = std::max(cells[c], held);
  filled_[s] = col;
  col_max_[s] = level_[s];
}

void HeatGrid::setLevel(uint32_t s, uint64_t level, unsigned col) {
  if (col > filled_[s]) flushLevel(s, col);
  level_[s] = level;
  if (level > col_max_[s]) col_max_[s] = level;
}

void HeatGrid::levelDelta(uint64_t vpn, uint64_t vpn_end, int64_t delta, uint64_t t,
                          const PageTable& pages) {
  if (vpn_end <= vpn) return;
  if ((vpn >> shift_) != ((vpn_end - 1) >> shift_)) {
    recount(vpn, vpn_end, t, pages);
    return;
  }
  if (delta == 0) return;
  uint32_t s = slotFor(vpn);
  int64_t v = static_cast<int64_t>(level_[s]) + delta;
  setLevel(s, v < 0 ? 0 : static_cast<uint64_t>(v), columnOf(t));
}

void HeatGrid::recount(uint64_t vpn, uint64_t vpn_end, uint64_t t, const PageTable& pages) {
  if (vpn_end > PageTable::kVpnLimit) vpn_end = PageTable::kVpnLimit;
  if (vpn_end <= vpn) return;
  unsigned col = columnOf(t);
  for (;;) {
    unsigned sh = shift_;
    uint64_t kb = vpn >> sh, ke = ((vpn_end - 1) >> sh) + 1;
    // Present pages per granule over whole granules, in key order.
    std::vector<std::pair<uint64_t, uint64_t>> counts;
    pages.forEachRun(kb << sh, std::min(ke << sh, PageTable::kVpnLimit), [&](const PageRun& r) {
      for (uint64_t a = r.vpn, e = r.vpn + r.pages; a < e;) {
        uint64_t k = a >> sh;
        uint64_t next = std::min(e, (k + 1) << sh);
        if (!counts.empty() && counts.back().first == k) counts.back().second += next - a;
        else counts.emplace_back(k, next - a);
        a = next;
      }
    });
    size_t fresh = 0;
    for (auto [k, n] : counts) fresh += find(k) < 0;
    if (keys_.size() + fresh > max_granules_) {
      coarsen();
      continue;
    }
    // Existing granules in the range without pages go to 0.
    auto zero = [&](uint32_t s) {
      uint64_t k = keys_[s];
      if (k < kb || k >= ke || level_[s] == 0) return;
      auto it = std::lower_bound(counts.begin(), counts.end(), std::make_pair(k, uint64_t{0}));
      if (it == counts.end() || it->first != k) setLevel(s, 0, col);
    };
    if (ke - kb < keys_.size()) {
      for (uint64_t k = kb; k < ke; k++) {
        int64_t s = find(k);
        if (s >= 0) zero(static_cast<uint32_t>(s));
      }
    } else {
      for (uint32_t s = 0; s < keys_.size(); s++) zero(s);
    }
    for (auto [k, n] : counts) setLevel(slotFor(k << sh), n, col);
    return;
  }
}

void HeatGrid::finishLevels() {
  flushAdds();
  for (uint32_t s = 0; s < keys_.size(); s++) {
    flushLevel(s, columns_ - 1);
    uint32_t& last = cells_[size_t{s} * columns_ + columns_ - 1];
    last = std::max(last, saturate(col_max_[s]));
  }
}

uint32_t HeatGrid::maxCell() const {
  flushAdds();
  uint32_t m = 0;
  for (uint32_t c : cells_) m = std::max(m, c);
  return m;
}

void HeatGrid::sortByKey(std::vector<uint32_t>& slots) const {
  std::sort(slots.begin(), slots.end(), [&](uint32_t a, uint32_t b) { return keys_[a] < keys_[b]; });
}

}  // namespace kmr::replayer
