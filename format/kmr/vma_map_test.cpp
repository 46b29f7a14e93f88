// VMA windows: exact boundaries and the operations derived from them.
#include "kmr/vma_map.h"

#include <kmemrec/abi.h>

#include <catch2/catch.hpp>

namespace kmr {
namespace {

constexpr uint32_t RW = KMR_VM_READ | KMR_VM_WRITE;
constexpr uint32_t RO = KMR_VM_READ;

Vma anon(uint64_t s, uint64_t e, uint32_t f = RW) { return {s, e, s >> 12, 0, 0, f, KMR_VMA_F_ANON, ""}; }
Vma file(uint64_t s, uint64_t e, uint64_t pgoff, uint32_t f = RO) {
  return {s, e, pgoff, 77, 0x801, f, KMR_VMA_F_FILE, "/lib/x.so"};
}

std::vector<VmaOp> apply(VmaMap& m, uint64_t s, uint64_t e, uint32_t cause, std::vector<Vma> vmas) {
  VmaWindow w;
  w.start = s;
  w.end = e;
  w.cause = cause;
  w.count = static_cast<uint32_t>(vmas.size());
  w.vmas = std::move(vmas);
  std::vector<VmaOp> ops;
  uint64_t bad = 0;
  m.applyWindow(w, &ops, &bad);
  CHECK(bad == 0);
  return ops;
}

TEST_CASE("a window replaces exactly the VMAs it covers", "[vma]") {
  VmaMap m;
  apply(m, 0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT,
        {anon(0x10000, 0x20000), file(0x30000, 0x40000, 0), anon(0x50000, 0x60000)});
  REQUIRE(m.size() == 3);

  SECTION("munmap of the middle of a VMA leaves two trimmed parts") {
    auto ops = apply(m, 0x34000, 0x36000, KMR_VMA_CAUSE_MUNMAP, {});
    auto l = m.list();
    REQUIRE(l.size() == 4);
    CHECK(l[1].start == 0x30000);
    CHECK(l[1].end == 0x34000);
    CHECK(l[1].pgoff == 0);
    CHECK(l[2].start == 0x36000);
    CHECK(l[2].end == 0x40000);
    CHECK(l[2].pgoff == 6);  // advanced by the pages cut off
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Unmap);
    CHECK(ops[0].start == 0x34000);
    CHECK(ops[0].end == 0x36000);
    CHECK(ops[0].name == "/lib/x.so");
  }
  SECTION("mprotect of a part yields protect; the merge back yields protect") {
    Vma mid = anon(0x10000, 0x20000);
    mid.start = 0x12000;
    mid.end = 0x14000;
    mid.pgoff = 0x12;
    mid.vm_flags = RO;
    auto ops = apply(m, 0x12000, 0x14000, KMR_VMA_CAUSE_MPROTECT, {mid});
    REQUIRE(m.size() == 5);
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Protect);
    CHECK(ops[0].old_vm_flags == RW);
    CHECK(ops[0].vm_flags == RO);
    CHECK(m.find(0x11000)->end == 0x12000);
    CHECK(m.find(0x15000)->start == 0x14000);
    CHECK(m.find(0x15000)->pgoff == 0x14);
    // Back to RW: the kernel merges the three; the merged VMA is sent whole.
    ops = apply(m, 0x12000, 0x14000, KMR_VMA_CAUSE_MPROTECT, {anon(0x10000, 0x20000)});
    CHECK(m.size() == 3);
    CHECK(m.find(0x15000)->start == 0x10000);
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Protect);
    CHECK(ops[0].start == 0x12000);
    CHECK(ops[0].end == 0x14000);
    CHECK(ops[0].old_vm_flags == RO);
  }
  SECTION("brk growth extends the heap: grow") {
    Vma heap = anon(0x50000, 0x60000);
    heap.flags |= KMR_VMA_F_HEAP;
    apply(m, 0x50000, 0x60000, KMR_VMA_CAUSE_SNAPSHOT, {heap});
    heap.end = 0x64000;
    auto ops = apply(m, 0x60000, 0x64000, KMR_VMA_CAUSE_BRK, {heap});
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Grow);
    CHECK(ops[0].start == 0x60000);
    CHECK(ops[0].end == 0x64000);
    CHECK(ops[0].old_start == 0x50000);
    CHECK(ops[0].old_end == 0x60000);
    CHECK(ops[0].name == "[heap]");
  }
  SECTION("stack growth down: grow, with pgoff moving down") {
    Vma st = anon(0x50000, 0x60000);
    st.flags |= KMR_VMA_F_STACK;
    st.vm_flags |= KMR_VM_GROWSDOWN;
    apply(m, 0x50000, 0x60000, KMR_VMA_CAUSE_SNAPSHOT, {st});
    st.start = 0x4e000;
    st.pgoff -= 2;
    auto ops = apply(m, 0x4e000, 0x50000, KMR_VMA_CAUSE_STACK, {st});
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Grow);
    CHECK(ops[0].start == 0x4e000);
  }
  SECTION("mremap in one window: move") {
    Vma moved = anon(0x10000, 0x20000);
    moved.start = 0x80000;
    moved.end = 0x90000;  // pgoff kept: the same anon memory
    auto ops = apply(m, 0x10000, 0x90000, KMR_VMA_CAUSE_MREMAP, {file(0x30000, 0x40000, 0), anon(0x50000, 0x60000), moved});
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Move);
    CHECK(ops[0].old_start == 0x10000);
    CHECK(ops[0].start == 0x80000);
    CHECK(m.find(0x15000) == nullptr);
  }
  SECTION("MAP_FIXED over a different mapping: unmap + map") {
    auto ops = apply(m, 0x30000, 0x40000, KMR_VMA_CAUSE_MMAP, {anon(0x30000, 0x40000)});
    REQUIRE(ops.size() == 2);
    CHECK(ops[0].kind == VmaOpKind::Unmap);
    CHECK(ops[1].kind == VmaOpKind::Map);
  }
  SECTION("a new mmap merged into its neighbour is a map of the new part") {
    auto ops = apply(m, 0x20000, 0x24000, KMR_VMA_CAUSE_MMAP, {anon(0x10000, 0x24000)});
    REQUIRE(ops.size() == 1);
    CHECK(ops[0].kind == VmaOpKind::Map);
    CHECK(ops[0].start == 0x20000);
    CHECK(ops[0].end == 0x24000);
    CHECK(m.size() == 3);
  }
  SECTION("a snapshot window yields no operations") {
    auto ops = apply(m, 0, 1ull << 47, KMR_VMA_CAUSE_SNAPSHOT, {anon(0x10000, 0x20000)});
    CHECK(ops.empty());
    CHECK(m.size() == 1);
  }
  SECTION("overlapping or empty sent VMAs are skipped and counted") {
    VmaWindow w;
    w.start = 0x70000;
    w.end = 0x80000;
    w.vmas = {anon(0x70000, 0x78000), anon(0x74000, 0x80000), anon(0x79000, 0x79000)};
    w.count = 3;
    uint64_t bad = 0;
    m.applyWindow(w, nullptr, &bad);
    CHECK(bad == 2);
    CHECK(m.size() == 4);
  }
}

}  // namespace
}  // namespace kmr
