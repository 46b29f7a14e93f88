// apply() for every kind, including LOST, EXEC, EXIT and mremap pairing.
#include "kmr/state.h"

#include <catch2/catch.hpp>

namespace kmr {
namespace {

constexpr uint32_t kAnon = KMR_PTE_PRESENT | KMR_PTE_WRITE | KMR_PTE_ANON;
constexpr uint64_t kPage = 4096;

struct Feed {
  ShadowState s;
  std::vector<VmaOp> ops;
  uint64_t seq = 0, t = 0;
  std::vector<std::vector<uint64_t>> keep;

  void apply(Event ev) {
    ev.seq = ++seq;
    ev.time_ns = t += 10;
    ops.clear();
    s.apply(ev, &ops);
  }
  void pte(uint64_t va, std::vector<uint64_t> e, uint32_t shift = 12) {
    keep.push_back(std::move(e));
    apply(makePte(0, 0, KMR_PTE_CAUSE_FAULT, va, shift, keep.back()));
  }
  uint64_t window(uint64_t s0, uint64_t e0, uint32_t cause, std::vector<Vma> vmas) {
    apply(makeVmaSync(0, 0, cause, s0, e0, static_cast<uint32_t>(vmas.size())));
    uint64_t sync = seq;
    for (const Vma& v : vmas)
      apply(makeVma(0, 0, v.flags, {sync, v.start, v.end, v.pgoff, v.ino, v.dev, v.vm_flags}, v.name));
    return sync;
  }
};

Vma anon(uint64_t s, uint64_t e) {
  return {s, e, s / kPage, 0, 0, KMR_VM_READ | KMR_VM_WRITE, KMR_VMA_F_ANON, ""};
}

TEST_CASE("PTE records set and clear pages, huge leaves cover 512", "[state]") {
  Feed f;
  f.pte(0x10000, {KMR_PTE_MAKE(100, kAnon), KMR_PTE_MAKE(0, KMR_PTE_SWAP), KMR_PTE_MAKE(102, kAnon)});
  CHECK(f.s.pages().presentPages() == 2);
  CHECK(KMR_PTE_PFN(f.s.pages().get(0x12)) == 102);
  f.pte(0x200000, {KMR_PTE_MAKE(0x1000, kAnon | KMR_PTE_HUGE)}, 21);
  CHECK(f.s.pages().presentPages() == 514);
  CHECK(KMR_PTE_PFN(f.s.pages().get(0x200 + 5)) == 0x1005);
  f.apply(makePteUnmap(0, 0, KMR_UNMAP_MUNMAP, 0x201000, 0x203000));
  CHECK(f.s.pages().presentPages() == 512);
  f.pte(0x10000, {KMR_PTE_MAKE(0, 0)});
  CHECK(f.s.pages().presentPages() == 511);
  CHECK(f.s.anomalies() == 0);
  // Malformed: unknown leaf size, misaligned huge leaf.
  f.pte(0x300000, {KMR_PTE_MAKE(1, kAnon)}, 13);
  f.pte(0x301000, {KMR_PTE_MAKE(1, kAnon)}, 21);
  CHECK(f.s.anomalies() == 2);
  CHECK(f.s.pages().presentPages() == 511);
}

TEST_CASE("a window completes on its last VMA record", "[state]") {
  Feed f;
  f.apply(makeVmaSync(0, 0, KMR_VMA_CAUSE_MMAP, 0x10000, 0x20000, 1));
  uint64_t sync = f.seq;
  f.pte(0x10000, {KMR_PTE_MAKE(5, kAnon)});  // other records interleave
  CHECK(f.s.vmas().empty());
  CHECK(f.s.pendingWindows().size() == 1);
  Vma v = anon(0x10000, 0x20000);
  f.apply(makeVma(0, 0, v.flags, {sync, v.start, v.end, v.pgoff, 0, 0, v.vm_flags}, ""));
  CHECK(f.s.vmas().size() == 1);
  REQUIRE(f.ops.size() == 1);
  CHECK(f.ops[0].kind == VmaOpKind::Map);
  CHECK(f.s.pendingWindows().empty());
  // A VMA record whose window never came: counted, its range unknown.
  f.apply(makeVma(0, 0, v.flags, {12345, 0x30000, 0x31000, 0, 0, 0, 0}, ""));
  CHECK(f.s.anomalies() == 1);
  CHECK(f.s.unknownVmas().contains(0x30));
}

TEST_CASE("mremap sent as two windows is one move", "[state]") {
  Feed f;
  f.window(0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT, {anon(0x10000, 0x20000)});
  Vma moved = anon(0x10000, 0x20000);
  moved.start = 0x80000;
  moved.end = 0x90000;
  f.window(0x80000, 0x90000, KMR_VMA_CAUSE_MREMAP, {moved});
  CHECK(f.ops.empty());  // held for its other half
  CHECK_FALSE(f.s.canKeyframe());
  f.apply(makePteUnmap(0, 0, KMR_UNMAP_MUNMAP, 0x10000, 0x20000));
  f.window(0x10000, 0x20000, KMR_VMA_CAUSE_MREMAP, {});
  REQUIRE(f.ops.size() == 1);
  CHECK(f.ops[0].kind == VmaOpKind::Move);
  CHECK(f.ops[0].old_start == 0x10000);
  CHECK(f.ops[0].start == 0x80000);
  CHECK(f.s.canKeyframe());
  // A lone half is released at the next unrelated event.
  Vma other = anon(0xa0000, 0xb0000);
  f.window(0xa0000, 0xb0000, KMR_VMA_CAUSE_MREMAP, {other});
  CHECK(f.ops.empty());
  f.apply(makeFork(0, 0, 99));
  REQUIRE(f.ops.size() == 1);
  CHECK(f.ops[0].kind == VmaOpKind::Map);
}

TEST_CASE("LOST makes state unknown until a snapshot", "[state]") {
  Feed f;
  f.window(0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT, {anon(0x10000, 0x20000)});
  f.pte(0x10000, {KMR_PTE_MAKE(5, kAnon)});
  f.apply(makeLost(0, 0, {10, 1u << KMR_EV_FAULT, 0, 0}));
  CHECK(f.s.unknownPages().empty());  // only faults lost: no state touched
  f.apply(makeLost(0, 0, {10, 1u << KMR_EV_PTE, 0, 0}));
  CHECK(f.s.unknownPages().contains(0x10));
  CHECK(f.s.unknownVmas().empty());
  CHECK(f.s.pages().presentPages() == 1);  // last known value kept
  f.pte(0x11000, {KMR_PTE_MAKE(6, kAnon)});
  CHECK_FALSE(f.s.unknownPages().contains(0x11));  // exact again
  CHECK(f.s.unknownPages().contains(0x10));
  f.apply(makeLost(0, 0, {3, 0, 0, 0}));  // unknown kinds: everything
  CHECK(f.s.unknownVmas().contains(0x10));
  f.apply(makeSnapshot(0, 0, false, KMR_SNAP_RESYNC, {}));
  CHECK(f.s.unknownPages().empty());
  CHECK(f.s.unknownVmas().empty());
  CHECK(f.s.pages().presentPages() == 0);
  CHECK(f.s.vmas().empty());
}

TEST_CASE("EXEC drops the address space, EXIT too and marks the target gone", "[state]") {
  Feed f;
  f.window(0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT, {anon(0x10000, 0x20000)});
  f.pte(0x10000, {KMR_PTE_MAKE(5, kAnon)});
  f.apply(makeExec(0, 0, "/bin/true"));
  CHECK(f.s.vmas().empty());
  CHECK(f.s.pages().presentPages() == 0);
  CHECK_FALSE(f.s.exited());
  f.window(0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT, {anon(0x10000, 0x20000)});
  f.apply(makeExit(0, 0, 3));
  CHECK(f.s.exited());
  CHECK(f.s.exitCode() == 3);
  CHECK(f.s.vmas().empty());
  CHECK(f.s.applied() == 7);
}

TEST_CASE("the traced range bounds what is applied", "[state]") {
  ShadowState s(0x10000, 0x20000);
  std::vector<uint64_t> e = {KMR_PTE_MAKE(1, kAnon), KMR_PTE_MAKE(2, kAnon)};
  s.apply(makePte(1, 1, 0, 0x1f000, 12, e));  // half outside
  CHECK(s.pages().presentPages() == 1);
  CHECK(s.anomalies() == 1);
  s.apply(makeLost(2, 2, {1, 0, 0, 0}));
  auto r = s.unknownPages().ranges();
  REQUIRE(r.size() == 1);
  CHECK(r[0].first == 0x10);
  CHECK(r[0].second == 0x20);
}

}  // namespace
}  // namespace kmr
