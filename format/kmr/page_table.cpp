#include "kmr/page_table.h"

#include <kmemrec/abi.h>

#include <cstring>
#include <utility>

namespace kmr {
namespace {

constexpr uint64_t kPresentBit = uint64_t(KMR_PTE_PRESENT) << KMR_PTE_PFN_BITS;

inline bool present(uint64_t e) { return e & kPresentBit; }
inline uint64_t pagesAt(unsigned level) { return 1ull << (9 * level); }  // small pages per slot
inline unsigned indexAt(uint64_t vpn, unsigned level) { return (vpn >> (9 * level)) & 511; }
// The entry for sub-slot i of a huge leaf one level down.
inline uint64_t subEntry(uint64_t e, uint64_t i, unsigned child_level) {
  return KMR_PTE_MAKE(KMR_PTE_PFN(e) + i * pagesAt(child_level), KMR_PTE_FLAGS(e));
}

}  // namespace

PageTable::Leaf::Leaf() { std::memset(e, 0, sizeof e); }

// memcmp against a zero page: glibc's is vectorized, an early-exit loop over
// 512 words is not (it was ~1,500 instructions per munmap of a few pages).
bool PageTable::Leaf::empty() const {
  alignas(64) static const uint64_t kZero[512] = {};
  return std::memcmp(e, kZero, sizeof e) == 0;
}

// Level >= 1 table: each slot holds a child table or a huge leaf entry
// (side by side: one cache line per slot lookup).
struct PageTable::Dir {
  struct Slot {
    void* child;    // Dir* above level 1, Leaf* at level 1
    uint64_t huge;  // leaf entry covering the slot, when present
  };
  Slot s[512];
  uint32_t used = 0;  // slots with a child or a leaf
  Dir() { std::memset(s, 0, sizeof s); }
};

namespace {

uint64_t countLeaf(const uint64_t* e) {
  uint64_t n = 0;
  for (int i = 0; i < 512; i++) n += present(e[i]);
  return n;
}

}  // namespace

// Recursive subtree helpers (a friend of PageTable for its node types).
struct TreeOps {
  using L = PageTable::Leaf;
  using D = PageTable::Dir;

  static void free(void* node, unsigned level) {
    if (!node) return;
    if (level == 0) {
      delete static_cast<L*>(node);
      return;
    }
    D* d = static_cast<D*>(node);
    // `used` counts the slots with a child or a huge leaf: stop after the
    // last child instead of visiting all 512 slots of a sparse table.
    uint32_t left = d->used;
    for (int i = 0; i < 512 && left; i++) {
      if (!d->s[i].child && !present(d->s[i].huge)) continue;
      left--;
      free(d->s[i].child, level - 1);
    }
    delete d;
  }

  // An emptied table (all zero): kept for reuse when there is room.
  static void release(PageTable& pt, void* node, unsigned level) {
    if (level == 0) {
      if (pt.spare_leaves_n_ < PageTable::kSpare) {
        pt.spare_leaves_[pt.spare_leaves_n_++] = static_cast<L*>(node);
        return;
      }
      delete static_cast<L*>(node);
      return;
    }
    if (pt.spare_dirs_n_ < PageTable::kSpare) {
      pt.spare_dirs_[pt.spare_dirs_n_++] = static_cast<D*>(node);
      return;
    }
    delete static_cast<D*>(node);
  }

  static uint64_t count(const void* node, unsigned level) {
    if (!node) return 0;
    if (level == 0) return countLeaf(static_cast<const L*>(node)->e);
    const D* d = static_cast<const D*>(node);
    uint64_t n = 0;
    for (int i = 0; i < 512; i++) {
      if (present(d->s[i].huge)) n += pagesAt(level);
      else n += count(d->s[i].child, level - 1);
    }
    return n;
  }

  static void* copy(const void* node, unsigned level) {
    if (!node) return nullptr;
    if (level == 0) return new L(*static_cast<const L*>(node));
    const D* src = static_cast<const D*>(node);
    D* d = new D;
    d->used = src->used;
    for (int i = 0; i < 512; i++) {
      d->s[i].huge = src->s[i].huge;
      d->s[i].child = copy(src->s[i].child, level - 1);
    }
    return d;
  }

  // Replace the huge leaf in slot i of `d` (at `level`) by a table of
  // equivalent smaller entries.
  static void split(D* d, unsigned level, unsigned i) {
    uint64_t e = d->s[i].huge;
    d->s[i].huge = 0;
    unsigned cl = level - 1;
    if (cl == 0) {
      L* leaf = new L;
      for (uint64_t k = 0; k < 512; k++) leaf->e[k] = subEntry(e, k, 0);
      d->s[i].child = leaf;
    } else {
      D* c = new D;
      for (uint64_t k = 0; k < 512; k++) c->s[k].huge = subEntry(e, k, cl);
      c->used = 512;
      d->s[i].child = c;
    }
  }

  // Clear [b, e) (vpns relative to this node's base) under `node`.  Frees
  // tables that become empty (caller clears the slot when the node's `used`
  // drops to zero); emptied ones are kept as spares (release()).
  static void clear(PageTable& pt, void* node, unsigned level, uint64_t b, uint64_t e) {
    if (level == 0) {
      L* l = static_cast<L*>(node);
      std::memset(&l->e[b], 0, (e - b) * sizeof l->e[0]);
      return;
    }
    D* d = static_cast<D*>(node);
    uint64_t span = pagesAt(level);
    for (uint64_t i = b / span; i < 512 && i * span < e; i++) {
      uint64_t lo = i * span, hi = lo + span;
      uint64_t cb = b > lo ? b - lo : 0, ce = (e < hi ? e : hi) - lo;
      bool whole = cb == 0 && ce == span;
      if (present(d->s[i].huge)) {
        if (whole) {
          d->s[i].huge = 0;
          d->used--;
          continue;
        }
        split(d, level, static_cast<unsigned>(i));
      }
      if (!d->s[i].child) continue;
      if (whole) {
        free(d->s[i].child, level - 1);
        d->s[i].child = nullptr;
        d->used--;
        continue;
      }
      clear(pt, d->s[i].child, level - 1, cb, ce);
      bool child_empty = level == 1 ? static_cast<L*>(d->s[i].child)->empty()
                                    : static_cast<D*>(d->s[i].child)->used == 0;
      if (child_empty) {
        release(pt, d->s[i].child, level - 1);
        d->s[i].child = nullptr;
        d->used--;
      }
    }
  }

  static void walk(const void* node, unsigned level, uint64_t base, uint64_t b, uint64_t e,
                   PageTable::Emit emit, void* ctx) {
    if (level == 0) {
      const L* l = static_cast<const L*>(node);
      uint64_t lo = b > base ? b - base : 0, hi = e - base < 512 ? e - base : 512;
      for (uint64_t k = lo; k < hi; k++)
        if (present(l->e[k]))
          emit(ctx, base + k, 1, KMR_PTE_PFN(l->e[k]), KMR_PTE_FLAGS(l->e[k]));
      return;
    }
    const D* d = static_cast<const D*>(node);
    if (!d->used) return;
    uint64_t span = pagesAt(level);
    uint64_t first = b > base ? (b - base) / span : 0;
    for (uint64_t i = first; i < 512; i++) {
      uint64_t lo = base + i * span, hi = lo + span;
      if (lo >= e) break;
      if (present(d->s[i].huge)) {
        uint64_t s = b > lo ? b : lo, t = e < hi ? e : hi;
        emit(ctx, s, t - s, KMR_PTE_PFN(d->s[i].huge) + (s - lo), KMR_PTE_FLAGS(d->s[i].huge));
      } else if (d->s[i].child) {
        walk(d->s[i].child, level - 1, lo, b, e, emit, ctx);
      }
    }
  }
};

PageTable::~PageTable() {
  TreeOps::free(root_, kLevels - 1);
  dropSpares();
}

void PageTable::dropSpares() {
  for (unsigned i = 0; i < spare_leaves_n_; i++) delete spare_leaves_[i];
  for (unsigned i = 0; i < spare_dirs_n_; i++) delete spare_dirs_[i];
  spare_leaves_n_ = spare_dirs_n_ = 0;
}

PageTable::Leaf* PageTable::newLeaf() {
  return spare_leaves_n_ ? spare_leaves_[--spare_leaves_n_] : new Leaf;
}

PageTable::Dir* PageTable::newDir() {
  return spare_dirs_n_ ? spare_dirs_[--spare_dirs_n_] : new Dir;
}

PageTable::PageTable(const PageTable& o)
    : root_(static_cast<Dir*>(TreeOps::copy(o.root_, kLevels - 1))),
      present_(o.present_),
      count_known_(o.count_known_) {
  dropCache();
}

void PageTable::dropCache() const { cache_.fill({~0ull, nullptr}); }

PageTable& PageTable::operator=(const PageTable& o) {
  if (this != &o) {
    // copied first: a copy that throws leaves *this as it was
    Dir* copy = static_cast<Dir*>(TreeOps::copy(o.root_, kLevels - 1));
    TreeOps::free(root_, kLevels - 1);
    root_ = copy;
    present_ = o.present_;
    count_known_ = o.count_known_;
    dropCache();
  }
  return *this;
}

PageTable::PageTable(PageTable&& o) noexcept
    : root_(std::exchange(o.root_, nullptr)),
      present_(std::exchange(o.present_, 0)),
      count_known_(std::exchange(o.count_known_, true)) {
  dropCache();
  o.dropCache();
}

PageTable& PageTable::operator=(PageTable&& o) noexcept {
  if (this != &o) {
    TreeOps::free(root_, kLevels - 1);
    root_ = std::exchange(o.root_, nullptr);
    present_ = std::exchange(o.present_, 0);
    count_known_ = std::exchange(o.count_known_, true);
    dropCache();
    o.dropCache();
  }
  return *this;
}

uint64_t PageTable::get(uint64_t vpn) const {
  if (vpn >= kVpnLimit) return 0;
  if (Leaf* l = cached(vpn)) return l->e[vpn & 511];
  const Dir* d = root_;
  for (unsigned level = kLevels - 1; d; level--) {
    unsigned i = indexAt(vpn, level);
    if (present(d->s[i].huge)) return subEntry(d->s[i].huge, vpn & (pagesAt(level) - 1), 0);
    if (level == 1) {
      const Leaf* l = static_cast<const Leaf*>(d->s[i].child);
      return l ? l->e[vpn & 511] : 0;
    }
    d = static_cast<const Dir*>(d->s[i].child);
  }
  return 0;
}

// The leaf table holding `vpn`, created (and huge leaves on the way split)
// as needed.
PageTable::Leaf* PageTable::leafFor(uint64_t vpn) {
  if (!root_) root_ = newDir();
  Dir* d = root_;
  for (unsigned level = kLevels - 1;; level--) {
    unsigned i = indexAt(vpn, level);
    if (present(d->s[i].huge)) TreeOps::split(d, level, i);
    if (!d->s[i].child) {
      d->s[i].child = level == 1 ? static_cast<void*>(newLeaf()) : static_cast<void*>(newDir());
      d->used++;
    }
    if (level == 1) {
      Leaf* l = static_cast<Leaf*>(d->s[i].child);
      cache_[(vpn >> 9) % kCacheSlots] = {vpn >> 9, l};
      return l;
    }
    d = static_cast<Dir*>(d->s[i].child);
  }
}

void PageTable::setSlow(uint64_t vpn, uint64_t entry) {
  if (!present(entry)) {
    // Clearing must not create tables; and it may free some.
    if (Leaf* l = cached(vpn)) {
      uint64_t& slot = l->e[vpn & 511];
      slot = 0;
      count_known_ = false;
      return;
    }
    clear(vpn, vpn + 1);
    return;
  }
  Leaf* l = cached(vpn);
  if (!l) l = leafFor(vpn);
  l->e[vpn & 511] = entry;
  count_known_ = false;
}

void PageTable::setLeaf(uint64_t vpn, unsigned level, uint64_t entry) {
  if (level == 0) {
    set(vpn, entry);
    return;
  }
  clear(vpn, vpn + pagesAt(level));
  if (!present(entry)) return;
  if (!root_) root_ = newDir();
  Dir* d = root_;
  for (unsigned l = kLevels - 1; l > level; l--) {
    unsigned i = indexAt(vpn, l);
    if (present(d->s[i].huge)) TreeOps::split(d, l, i);
    if (!d->s[i].child) {
      d->s[i].child = newDir();
      d->used++;
    }
    d = static_cast<Dir*>(d->s[i].child);
  }
  unsigned i = indexAt(vpn, level);
  // clear() above emptied the slot (child freed, huge dropped).
  d->s[i].huge = entry;
  d->used++;
  count_known_ = false;
}

void PageTable::clear(uint64_t begin, uint64_t end) {
  if (end > kVpnLimit) end = kVpnLimit;
  if (!root_ || begin >= end) return;
  // Tables may be freed, but only leaves inside [begin, end): forget those
  // (refilling all 256 slots on every munmap was ~1,300 instructions).
  uint64_t first = begin >> 9, last = (end - 1) >> 9;
  if (last - first >= kCacheSlots) {
    dropCache();
  } else {
    for (uint64_t k = first; k <= last; k++) {
      CacheSlot& c = cache_[k % kCacheSlots];
      if (c.key == k) c = {~0ull, nullptr};
    }
  }
  TreeOps::clear(*this, root_, kLevels - 1, begin, end);
  count_known_ = false;
}

void PageTable::clearAll() {
  TreeOps::free(root_, kLevels - 1);
  root_ = nullptr;
  present_ = 0;
  count_known_ = true;
  dropCache();
}

void PageTable::walkRaw(uint64_t begin, uint64_t end, Emit emit, void* ctx) const {
  if (end > kVpnLimit) end = kVpnLimit;
  if (!root_ || begin >= end) return;
  TreeOps::walk(root_, kLevels - 1, 0, begin, end, emit, ctx);
}

uint64_t PageTable::presentPages() const {
  if (!count_known_) {
    present_ = TreeOps::count(root_, kLevels - 1);
    count_known_ = true;
  }
  return present_;
}

std::vector<PageRun> PageTable::runs(uint64_t begin, uint64_t end) const {
  std::vector<PageRun> v;
  forEachRun(begin, end, [&](const PageRun& r) { v.push_back(r); });
  return v;
}

bool PageTable::operator==(const PageTable& o) const {
  return runs() == o.runs();
}

}  // namespace kmr
