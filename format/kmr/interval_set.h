// A set of disjoint half-open ranges [start, end) of uint64, kept merged.
// Used for the "unknown" parts of the shadow state (rare, small).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <utility>
#include <vector>

namespace kmr {

class IntervalSet {
 public:
  void add(uint64_t start, uint64_t end);
  void remove(uint64_t start, uint64_t end);
  void clear() { m_.clear(); }
  bool empty() const { return m_.empty(); }
  bool contains(uint64_t x) const;
  bool intersects(uint64_t start, uint64_t end) const;
  size_t size() const { return m_.size(); }
  // Ranges in order.
  std::vector<std::pair<uint64_t, uint64_t>> ranges() const {
    return {m_.begin(), m_.end()};
  }
  auto begin() const { return m_.begin(); }
  auto end() const { return m_.end(); }

  bool operator==(const IntervalSet&) const = default;

 private:
  std::map<uint64_t, uint64_t> m_;  // start -> end
};

}  // namespace kmr
