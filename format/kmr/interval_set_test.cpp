#include "kmr/interval_set.h"

#include <catch2/catch.hpp>

#include <bitset>
#include <random>

namespace kmr {
namespace {

TEST_CASE("interval set agrees with a bitmap under random operations", "[interval]") {
  std::mt19937_64 rng(GENERATE(1, 2, 3));
  constexpr int N = 512;
  std::bitset<N> model;
  IntervalSet set;
  for (int step = 0; step < 3000; step++) {
    uint64_t a = rng() % N, b = rng() % N;
    if (a > b) std::swap(a, b);
    if (rng() % 2) {
      set.add(a, b);
      for (uint64_t i = a; i < b; i++) model.set(i);
    } else {
      set.remove(a, b);
      for (uint64_t i = a; i < b; i++) model.reset(i);
    }
    // Disjoint, merged, sorted, and the same members.
    uint64_t prev_end = 0;
    bool first = true;
    for (auto [s, e] : set) {
      REQUIRE(s < e);
      if (!first) REQUIRE(s > prev_end);
      prev_end = e;
      first = false;
    }
    for (int i = 0; i < N; i++) REQUIRE(set.contains(static_cast<uint64_t>(i)) == model[static_cast<size_t>(i)]);
    uint64_t qa = rng() % N, qb = rng() % N;
    if (qa > qb) std::swap(qa, qb);
    bool any = false;
    for (uint64_t i = qa; i < qb; i++) any |= model[i];
    REQUIRE(set.intersects(qa, qb) == any);
  }
}

}  // namespace
}  // namespace kmr
