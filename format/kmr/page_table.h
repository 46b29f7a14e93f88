// The shadow page table: virtual page number -> (pfn, KMR_PTE_* flags).
//
// Shaped like the hardware's: five levels of 512-slot tables (45 bits of
// vpn, enough for 57-bit address spaces), with huge leaves at the PMD (2 MiB)
// and PUD (1 GiB) levels, so a PMD leaf costs one store and a damaged file
// asking for 1 GiB leaves cannot make us write billions of entries.  A leaf
// covering n small pages maps page i to pfn + i with the leaf's flags; a
// small-page store inside a huge leaf splits it, as the kernel does.
//
// Entries are KMR_PTE_MAKE(pfn, flags) values with KMR_PTE_PRESENT set; a
// non-present entry is simply absent.  The last leaf table touched is cached,
// so sequential and clustered updates skip the walk (the replay goal is >= 30
// M events/s per thread, which an unordered_map per page cannot reach).
//
// Equality and iteration are by page: a PMD leaf equals 512 small entries
// with consecutive pfns and the same flags.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <kmemrec/abi.h>

namespace kmr {

struct PageRun {
  uint64_t vpn;    // first virtual page number
  uint64_t pages;  // length in small pages
  uint64_t pfn;    // pfn of the first page; page i maps to pfn + i
  uint32_t flags;  // KMR_PTE_*
  bool operator==(const PageRun&) const = default;
};

class PageTable {
 public:
  static constexpr unsigned kLevels = 5;
  static constexpr uint64_t kVpnLimit = 1ull << (9 * kLevels);

  PageTable() { dropCache(); }
  ~PageTable();
  PageTable(const PageTable& other);  // deep copy
  PageTable& operator=(const PageTable& other);
  PageTable(PageTable&& other) noexcept;
  PageTable& operator=(PageTable&& other) noexcept;

  // The entry mapping `vpn` (KMR_PTE_MAKE form), 0 if not present.
  uint64_t get(uint64_t vpn) const;
  // Set one small page; an entry without KMR_PTE_PRESENT clears it.
  // vpn < kVpnLimit (callers check).  Inline for a recently used table.
  void set(uint64_t vpn, uint64_t entry) {
    Leaf* l = cached(vpn);
    if (l && (entry & kPresentBit)) {
      // A plain store: reading the old entry to keep a count would stall
      // on a cache miss for every random page (the count is recomputed
      // when asked for).
      l->e[vpn & 511] = entry;
      count_known_ = false;
      return;
    }
    setSlow(vpn, entry);
  }
  // Set a leaf of 512^level pages (level 1 = 2 MiB, 2 = 1 GiB) at an aligned
  // vpn; a non-present entry clears the whole leaf range.
  void setLeaf(uint64_t vpn, unsigned level, uint64_t entry);
  // Clear [begin, end).
  void clear(uint64_t begin, uint64_t end);
  void clearAll();

  uint64_t presentPages() const;

  // Maximal runs (contiguous vpn and pfn, equal flags) in vpn order,
  // restricted to [begin, end).
  template <class F>
  void forEachRun(uint64_t begin, uint64_t end, F&& f) const {
    PageRun cur{0, 0, 0, 0};
    auto emit = [&](uint64_t vpn, uint64_t pages, uint64_t pfn, uint32_t flags) {
      if (cur.pages && cur.vpn + cur.pages == vpn && cur.pfn + cur.pages == pfn &&
          cur.flags == flags) {
        cur.pages += pages;
        return;
      }
      if (cur.pages) f(cur);
      cur = {vpn, pages, pfn, flags};
    };
    walk(begin, end, emit);
    if (cur.pages) f(cur);
  }
  template <class F>
  void forEachRun(F&& f) const {
    forEachRun(0, kVpnLimit, f);
  }
  std::vector<PageRun> runs(uint64_t begin = 0, uint64_t end = kVpnLimit) const;

  bool operator==(const PageTable& other) const;

 private:
  friend struct TreeOps;
  static constexpr uint64_t kPresentBit = uint64_t{KMR_PTE_PRESENT} << KMR_PTE_PFN_BITS;
  // Level-0 table: 512 small-page entries, exactly one page, so a store
  // touches one cache line and one TLB entry (no count beside it: emptiness
  // is found by scanning when entries are cleared, which is rarer).
  struct alignas(4096) Leaf {
    uint64_t e[512];
    Leaf();
    bool empty() const;
  };
  struct Dir;
  using Emit = void (*)(void*, uint64_t, uint64_t, uint64_t, uint32_t);

  template <class G>
  void walk(uint64_t begin, uint64_t end, G& g) const {
    walkRaw(begin, end, [](void* ctx, uint64_t v, uint64_t n, uint64_t p, uint32_t fl) {
      (*static_cast<G*>(ctx))(v, n, p, fl);
    }, &g);
  }
  void walkRaw(uint64_t begin, uint64_t end, Emit emit, void* ctx) const;
  Leaf* leafFor(uint64_t vpn);
  void setSlow(uint64_t vpn, uint64_t entry);
  Leaf* cached(uint64_t vpn) const {
    const CacheSlot& c = cache_[(vpn >> 9) % kCacheSlots];
    return c.key == (vpn >> 9) ? c.leaf : nullptr;
  }
  void dropCache() const;

  // Leaf tables found recently, direct-mapped by vpn >> 9: a hit skips the
  // five-level walk.  Dropped whenever tables may be freed.
  static constexpr size_t kCacheSlots = 256;
  struct CacheSlot {
    uint64_t key;
    Leaf* leaf;
  };

  // Tables emptied by clear(), all zero, reused before allocating: a munmap
  // and an mmap at the same place (allocators; kb_speed's churn) otherwise
  // freed a Leaf and a Dir and allocated and zeroed them again (12 KiB) each
  // time.  At most kSpare of each (48 KiB) per table; not copied.
  static constexpr unsigned kSpare = 4;
  Leaf* newLeaf();
  Dir* newDir();
  void dropSpares();

  Dir* root_ = nullptr;
  std::array<Leaf*, kSpare> spare_leaves_{};
  std::array<Dir*, kSpare> spare_dirs_{};
  unsigned spare_leaves_n_ = 0;
  unsigned spare_dirs_n_ = 0;
  mutable uint64_t present_ = 0;  // valid when count_known_
  mutable bool count_known_ = true;
  mutable std::array<CacheSlot, kCacheSlots> cache_;
};

}  // namespace kmr
