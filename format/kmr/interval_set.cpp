#include "kmr/interval_set.h"

namespace kmr {

void IntervalSet::add(uint64_t start, uint64_t end) {
  if (start >= end) return;
  auto it = m_.upper_bound(start);
  if (it != m_.begin()) {
    auto prev = std::prev(it);
    if (prev->second >= start) {
      start = prev->first;
      if (prev->second > end) end = prev->second;
      it = m_.erase(prev);
    }
  }
  while (it != m_.end() && it->first <= end) {
    if (it->second > end) end = it->second;
    it = m_.erase(it);
  }
  m_.emplace(start, end);
}

void IntervalSet::remove(uint64_t start, uint64_t end) {
  if (start >= end || m_.empty()) return;
  auto it = m_.upper_bound(start);
  if (it != m_.begin()) {
    auto prev = std::prev(it);
    if (prev->second > start) {
      uint64_t s = prev->first, e = prev->second;
      m_.erase(prev);
      if (s < start) m_.emplace(s, start);
      if (e > end) m_.emplace(end, e);
      it = m_.upper_bound(start);
    }
  }
  while (it != m_.end() && it->first < end) {
    uint64_t e = it->second;
    it = m_.erase(it);
    if (e > end) {
      m_.emplace(end, e);
      break;
    }
  }
}

bool IntervalSet::contains(uint64_t x) const {
  auto it = m_.upper_bound(x);
  if (it == m_.begin()) return false;
  return std::prev(it)->second > x;
}

bool IntervalSet::intersects(uint64_t start, uint64_t end) const {
  if (start >= end) return false;
  auto it = m_.lower_bound(end);
  if (it == m_.begin()) return false;
  return std::prev(it)->second > start;
}

}  // namespace kmr
