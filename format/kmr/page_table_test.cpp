#include "kmr/page_table.h"

#include <kmemrec/abi.h>

#include <catch2/catch.hpp>

#include <map>
#include <random>

namespace kmr {
namespace {

uint64_t entry(uint64_t pfn, uint32_t flags) { return KMR_PTE_MAKE(pfn, flags | KMR_PTE_PRESENT); }

// Runs computed from a page -> entry model, the same way PageTable does.
std::vector<PageRun> modelRuns(const std::map<uint64_t, uint64_t>& m) {
  std::vector<PageRun> v;
  for (auto [vpn, e] : m) {
    uint64_t pfn = KMR_PTE_PFN(e);
    uint32_t f = KMR_PTE_FLAGS(e);
    if (!v.empty() && v.back().vpn + v.back().pages == vpn && v.back().pfn + v.back().pages == pfn &&
        v.back().flags == f) {
      v.back().pages++;
      continue;
    }
    v.push_back({vpn, 1, pfn, f});
  }
  return v;
}

TEST_CASE("page table agrees with a map model", "[pagetable]") {
  std::mt19937_64 rng(GENERATE(1, 2, 3, 4, 5));
  PageTable pt;
  std::map<uint64_t, uint64_t> model;
  // Clustered addresses in two far apart areas, so tables are shared and
  // levels above are exercised.
  auto vpn = [&] {
    uint64_t base = rng() % 2 ? 0x555555554ull : 0x7ffff0000ull;
    return base + rng() % 4096;
  };
  for (int step = 0; step < 4000; step++) {
    unsigned op = rng() % 10;
    if (op < 6) {
      uint64_t v = vpn();
      uint64_t e = rng() % 8 ? entry(rng() % 100000, rng() & 0xfe) : 0;
      pt.set(v, e);
      if (e) model[v] = e;
      else model.erase(v);
    } else if (op < 8) {
      uint64_t v = vpn() & ~511ull;
      uint64_t e = entry(rng() % 100000, KMR_PTE_HUGE);
      pt.setLeaf(v, 1, e);
      for (uint64_t i = 0; i < 512; i++) model[v + i] = KMR_PTE_MAKE(KMR_PTE_PFN(e) + i, KMR_PTE_FLAGS(e));
    } else {
      uint64_t a = vpn(), n = rng() % 1500;
      pt.clear(a, a + n);
      model.erase(model.lower_bound(a), model.lower_bound(a + n));
    }
    if (step % 97 == 0) {
      REQUIRE(pt.presentPages() == model.size());
      REQUIRE(pt.runs() == modelRuns(model));
      for (int q = 0; q < 50; q++) {
        uint64_t v = vpn();
        auto it = model.find(v);
        REQUIRE(pt.get(v) == (it == model.end() ? 0 : it->second));
      }
    }
  }
  PageTable copy = pt;
  CHECK(copy == pt);
  CHECK(copy.runs() == modelRuns(model));
  copy.set(0x100, entry(1, 0));  // outside both areas
  CHECK_FALSE(copy == pt);
  CHECK(pt.get(0x100) == 0);  // the copy is deep
}

// clear() keeps emptied tables as spares and reuses them for the next new
// table: a lookup of a cleared page must not find the reused table through
// the leaf cache, whichever way the page was last reached.
TEST_CASE("tables emptied by clear are reused without stale lookups", "[pagetable]") {
  PageTable pt;
  std::map<uint64_t, uint64_t> model;
  const uint64_t far = 1ull << 36;  // another top-level table
  for (uint64_t round = 0; round < 200; round++) {
    uint64_t a = (round % 7) * 0x40000 + (round % 3) * 512 + (round % 5) * far;
    for (uint64_t i = 0; i < 16; i++) {
      pt.set(a + i, entry(round * 16 + i, 0));
      model[a + i] = entry(round * 16 + i, 0);
    }
    REQUIRE(pt.get(a + 3) == model[a + 3]);
    // an mmap + touch + munmap cycle, with a neighbour that stays sometimes
    pt.clear(a, a + 16 - (round % 2));
    model.erase(model.lower_bound(a), model.lower_bound(a + 16 - (round % 2)));
    for (uint64_t i = 0; i < 16; i++) {
      auto it = model.find(a + i);
      REQUIRE(pt.get(a + i) == (it == model.end() ? 0 : it->second));
    }
  }
  REQUIRE(pt.presentPages() == model.size());
  REQUIRE(pt.runs() == modelRuns(model));
  PageTable moved = std::move(pt);
  REQUIRE(moved.runs() == modelRuns(model));
  moved.clear(0, PageTable::kVpnLimit);
  CHECK(moved.presentPages() == 0);
}

TEST_CASE("a 1 GiB leaf costs one slot and splits exactly", "[pagetable]") {
  PageTable pt;
  uint64_t base = 1ull << 18;  // 1 GiB aligned vpn
  pt.setLeaf(base, 2, entry(0x40000, KMR_PTE_HUGE));
  CHECK(pt.presentPages() == (1u << 18));
  CHECK(pt.runs().size() == 1);
  CHECK(KMR_PTE_PFN(pt.get(base + 12345)) == 0x40000 + 12345);
  pt.set(base + 7, 0);  // split down to one small table
  CHECK(pt.presentPages() == (1u << 18) - 1);
  CHECK(pt.get(base + 7) == 0);
  CHECK(KMR_PTE_PFN(pt.get(base + 8)) == 0x40008);
  CHECK(pt.runs().size() == 2);
  pt.clear(base, base + (1u << 18));
  CHECK(pt.presentPages() == 0);
  CHECK(pt.runs().empty());
}

TEST_CASE("equality is by page, not by leaf size", "[pagetable]") {
  PageTable a, b;
  a.setLeaf(512, 1, entry(1000, 0));
  for (uint64_t i = 0; i < 512; i++) b.set(512 + i, entry(1000 + i, 0));
  CHECK(a == b);
  b.set(700, entry(5, 0));
  CHECK_FALSE(a == b);
}

}  // namespace
}  // namespace kmr
