// computeSharing on hand-built page tables: a parent and a child after a
// fork with some pages copied, a third process mapping one of the frames,
// the zero page, a huge page, and pages outside every VMA.
#include <catch2/catch.hpp>

#include "sharing.h"

using namespace kmr;
using namespace kmr::replayer;

namespace {

constexpr uint32_t kAnon = KMR_PTE_PRESENT | KMR_PTE_ANON;

Vma vma(uint64_t start, uint64_t end) {
  Vma v;
  v.start = start;
  v.end = end;
  v.vm_flags = KMR_VM_READ | KMR_VM_WRITE;
  return v;
}

void map(PageTable& t, uint64_t vpn, uint64_t pfn, uint32_t flags = kAnon) {
  t.set(vpn, KMR_PTE_MAKE(pfn, flags));
}

}  // namespace

TEST_CASE("sharing: a fork with copies, a third process, the zero page") {
  PageTable parent, child, other;
  VmaMap pv, cv, ov;
  REQUIRE(pv.insert(vma(0x10000, 0x20000)));  // vpn 0x10..0x1f
  REQUIRE(cv.insert(vma(0x10000, 0x20000)));
  REQUIRE(ov.insert(vma(0x80000, 0x81000)));
  for (uint64_t i = 0; i < 16; i++) {
    map(parent, 0x10 + i, 1000 + i);
    map(child, 0x10 + i, 1000 + i);
  }
  // 4 CoW copies in the child, 2 in the parent (other pages)
  for (uint64_t i = 0; i < 4; i++) map(child, 0x10 + i, 2000 + i);
  for (uint64_t i = 4; i < 6; i++) map(parent, 0x10 + i, 3000 + i);
  // the zero page in both: not shared, not own
  map(parent, 0x1f, 7, KMR_PTE_PRESENT | KMR_PTE_ZERO);
  map(child, 0x1f, 7, KMR_PTE_PRESENT | KMR_PTE_ZERO);
  // a third process maps one frame the parent and child share
  map(other, 0x80, 1010);
  // a page of the parent outside every VMA
  map(parent, 0x50, 5000);

  auto r = computeSharing({{100, &parent, &pv}, {101, &child, &cv}, {102, &other, &ov}});
  REQUIRE(r.size() == 3);
  const SharingCounts& p = r[0].vmas.at(0).counts;
  CHECK(p.present == 16);
  CHECK(p.zero == 1);
  CHECK(p.shared == 9);  // 16 - 4 child-copied - 2 own copies - 1 zero
  CHECK(p.own == 6);
  CHECK(p.with.at(101) == 9);
  CHECK(p.with.at(102) == 1);
  CHECK(r[0].total.present == 17);  // the page outside every VMA too
  CHECK(r[0].total.own == 7);
  const SharingCounts& c = r[1].vmas.at(0).counts;
  CHECK(c.shared == 9);
  CHECK(c.own == 6);
  CHECK(c.with.at(100) == 9);
  const SharingCounts& o = r[2].total;
  CHECK(o.present == 1);
  CHECK(o.shared == 1);
  CHECK(o.with.at(100) == 1);
  CHECK(o.with.at(101) == 1);
}

TEST_CASE("sharing: a huge page counts its 512 frames; one process alone owns all") {
  PageTable a, b;
  VmaMap av, bv;
  REQUIRE(av.insert(vma(0x200000, 0x400000)));
  REQUIRE(bv.insert(vma(0x200000, 0x400000)));
  a.setLeaf(0x200, 1, KMR_PTE_MAKE(0x40000, kAnon | KMR_PTE_HUGE));
  // b maps the second half of the same huge frame with small pages
  for (uint64_t i = 256; i < 512; i++) map(b, 0x200 + i, 0x40000 + i);
  auto r = computeSharing({{1, &a, &av}, {2, &b, &bv}});
  CHECK(r[0].total.present == 512);
  CHECK(r[0].total.shared == 256);
  CHECK(r[0].total.own == 256);
  CHECK(r[1].total.shared == 256);
  CHECK(r[1].total.own == 0);

  auto alone = computeSharing({{1, &a, &av}});
  CHECK(alone[0].total.own == 512);
  CHECK(alone[0].total.with.empty());
}

TEST_CASE("sharing: a process listed twice is one process") {
  PageTable a;
  VmaMap av;
  REQUIRE(av.insert(vma(0x1000, 0x3000)));
  map(a, 1, 10);
  map(a, 2, 10);  // the same frame twice in one process: its own
  auto r = computeSharing({{5, &a, &av}, {5, &a, &av}});
  REQUIRE(r.size() == 1);
  CHECK(r[0].total.present == 2);
  CHECK(r[0].total.own == 2);
}
