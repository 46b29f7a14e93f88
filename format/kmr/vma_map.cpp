#include "kmr/vma_map.h"

#include <kmemrec/abi.h>

#include <algorithm>
#include <array>

namespace kmr {
namespace {

constexpr std::array<std::string_view, kVmaOpKinds> kOpNames = {"map", "unmap", "protect", "move",
                                                                 "grow"};

bool isFile(const Vma& v) { return v.ino != 0 || (v.flags & KMR_VMA_F_FILE); }

uint64_t pgoffAt(const Vma& v, uint64_t addr) { return v.pgoff + ((addr - v.start) >> 12); }

// Do a (at address xa) and b (at xb) map the same thing?
bool sameIdentity(const Vma& a, uint64_t xa, const Vma& b, uint64_t xb) {
  if (isFile(a) != isFile(b) || a.dev != b.dev || a.ino != b.ino) return false;
  constexpr uint32_t kKind = KMR_VMA_F_HEAP | KMR_VMA_F_STACK | KMR_VMA_F_SPECIAL;
  if ((a.flags & kKind) != (b.flags & kKind)) return false;
  if (!isFile(a) && a.name != b.name) return false;
  return pgoffAt(a, xa) == pgoffAt(b, xb);
}

// The part of v inside [s, e), pgoff adjusted.
Vma clip(const Vma& v, uint64_t s, uint64_t e) {
  Vma c = v;
  c.start = std::max(v.start, s);
  c.end = std::min(v.end, e);
  c.pgoff = pgoffAt(v, c.start);
  return c;
}

enum class Seg : uint8_t { Same, Protect, Unmapped, Mapped, Replace, Remap };

struct Range {
  uint64_t start, end;
  const Vma* vma;  // the old piece (unmap) or the new VMA (others)
  uint32_t old_flags = 0;
  bool used = false;
};

VmaOp makeOp(VmaOpKind k, const Range& r, uint32_t cause) {
  VmaOp op;
  op.kind = k;
  op.start = op.old_start = r.start;
  op.end = op.old_end = r.end;
  op.vm_flags = op.old_vm_flags = r.vma->vm_flags;
  op.cause = cause;
  op.name = displayName(*r.vma);
  op.ino = r.vma->ino;
  op.dev = r.vma->dev;
  op.pgoff = pgoffAt(*r.vma, r.start);
  op.vma_flags = r.vma->flags;
  return op;
}

// Append r to v, merging with the last range when contiguous and about the
// same VMA.
void push(std::vector<Range>& v, Range r) {
  if (!v.empty() && v.back().end == r.start && v.back().vma == r.vma &&
      v.back().old_flags == r.old_flags) {
    v.back().end = r.end;
    return;
  }
  v.push_back(r);
}

// The working vectors of applyWindow() and derive(), kept per thread so that
// a window (two per mmap + munmap) allocates nothing once they have grown:
// their allocations were ~10 of the ~3,000 instructions a window cost the
// recorder's writer thread.  Every user clears what it uses.
struct Scratch {
  std::vector<const Vma*> sent, ok;
  std::vector<std::pair<uint64_t, uint64_t>> cover, merged, kept;
  std::vector<Vma> old;
  std::vector<uint64_t> bounds;
  std::vector<Range> unmapped, mapped, protect;
  std::vector<VmaOp> moves, grows, maps;
  // Nodes taken out of a VmaMap, reused by the next insertions.
  std::vector<std::map<uint64_t, Vma>::node_type> nodes;
};

Scratch& scratch() {
  thread_local Scratch s;
  return s;
}

void derive(const std::vector<Vma>& old, const std::vector<const Vma*>& sent, const VmaWindow& w,
            std::vector<VmaOp>& ops, Scratch& sc) {
  std::vector<uint64_t>& bounds = sc.bounds;
  bounds.clear();
  for (const Vma& o : old) bounds.insert(bounds.end(), {o.start, o.end});
  for (const Vma* n : sent) bounds.insert(bounds.end(), {n->start, n->end});
  if (w.start < w.end) bounds.insert(bounds.end(), {w.start, w.end});
  std::sort(bounds.begin(), bounds.end());
  bounds.erase(std::unique(bounds.begin(), bounds.end()), bounds.end());

  std::vector<Range>& unmapped = sc.unmapped;
  std::vector<Range>& mapped = sc.mapped;
  std::vector<Range>& protect = sc.protect;
  unmapped.clear();
  mapped.clear();
  protect.clear();
  // Per new VMA, the extent of its parts that were already there (grow).
  std::vector<std::pair<uint64_t, uint64_t>>& kept = sc.kept;
  kept.assign(sent.size(), {~0ull, 0});
  size_t oi = 0, ni = 0;
  for (size_t b = 0; b + 1 < bounds.size(); b++) {
    uint64_t a = bounds[b], e = bounds[b + 1];
    while (oi < old.size() && old[oi].end <= a) oi++;
    while (ni < sent.size() && sent[ni]->end <= a) ni++;
    const Vma* o = oi < old.size() && old[oi].start <= a ? &old[oi] : nullptr;
    const Vma* n = ni < sent.size() && sent[ni]->start <= a ? sent[ni] : nullptr;
    if (!o && !n) continue;
    Seg s;
    if (o && n) {
      if (sameIdentity(*o, a, *n, a)) {
        bool in_window = a >= w.start && e <= w.end;
        if (o->vm_flags != n->vm_flags) s = Seg::Protect;
        else if (w.cause == KMR_VMA_CAUSE_MMAP && in_window) s = Seg::Remap;
        else s = Seg::Same;
      } else {
        s = Seg::Replace;
      }
    } else {
      s = o ? Seg::Unmapped : Seg::Mapped;
    }
    switch (s) {
      case Seg::Same:
        kept[ni].first = std::min(kept[ni].first, a);
        kept[ni].second = std::max(kept[ni].second, e);
        break;
      case Seg::Protect:
        push(protect, {a, e, n, o->vm_flags});
        break;
      case Seg::Unmapped:
        push(unmapped, {a, e, o});
        break;
      case Seg::Mapped:
      case Seg::Remap:
        push(mapped, {a, e, n});
        break;
      case Seg::Replace:
        push(unmapped, {a, e, o});
        push(mapped, {a, e, n});
        break;
    }
  }

  std::vector<VmaOp>& moves = sc.moves;
  std::vector<VmaOp>& grows = sc.grows;
  std::vector<VmaOp>& maps = sc.maps;
  moves.clear();
  grows.clear();
  maps.clear();
  for (Range& m : mapped) {
    // A source of the same identity: an mremap move (length may differ when
    // the move also resized).
    for (Range& u : unmapped) {
      if (u.used || !sameIdentity(*u.vma, u.start, *m.vma, m.start)) continue;
      if (u.end - u.start != m.end - m.start && w.cause != KMR_VMA_CAUSE_MREMAP) continue;
      VmaOp op = makeOp(VmaOpKind::Move, m, w.cause);
      op.old_start = u.start;
      op.old_end = u.end;
      op.old_vm_flags = u.vma->vm_flags;
      moves.push_back(op);
      u.used = m.used = true;
      break;
    }
    if (m.used) continue;
    size_t idx = static_cast<size_t>(
        std::find(sent.begin(), sent.end(), m.vma) - sent.begin());
    auto [ks, ke] = kept[idx];
    bool extends = ks < ke && (ke == m.start || ks == m.end);
    if (extends && w.cause != KMR_VMA_CAUSE_MMAP) {
      VmaOp op = makeOp(VmaOpKind::Grow, m, w.cause);
      op.old_start = ks;
      op.old_end = ke;
      grows.push_back(op);
    } else {
      maps.push_back(makeOp(VmaOpKind::Map, m, w.cause));
    }
  }
  for (const Range& u : unmapped)
    if (!u.used) ops.push_back(makeOp(VmaOpKind::Unmap, u, w.cause));
  ops.insert(ops.end(), moves.begin(), moves.end());
  for (const Range& p : protect) {
    VmaOp op = makeOp(VmaOpKind::Protect, p, w.cause);
    op.old_vm_flags = p.old_flags;
    ops.push_back(op);
  }
  ops.insert(ops.end(), grows.begin(), grows.end());
  ops.insert(ops.end(), maps.begin(), maps.end());
}

}  // namespace

std::string permString(uint32_t f) {
  std::string s = "----";
  if (f & KMR_VM_READ) s[0] = 'r';
  if (f & KMR_VM_WRITE) s[1] = 'w';
  if (f & KMR_VM_EXEC) s[2] = 'x';
  s[3] = (f & KMR_VM_SHARED) ? 's' : 'p';
  return s;
}

std::string displayName(const Vma& v) {
  if (!v.name.empty()) return v.name;
  if (v.flags & KMR_VMA_F_HEAP) return "[heap]";
  if (v.flags & KMR_VMA_F_STACK) return "[stack]";
  return "[anon]";
}

std::string_view vmaOpName(VmaOpKind k) {
  auto i = static_cast<size_t>(k);
  return i < kOpNames.size() ? kOpNames[i] : "unknown";
}

std::optional<VmaOpKind> vmaOpFromName(std::string_view name) {
  for (size_t i = 0; i < kOpNames.size(); i++)
    if (kOpNames[i] == name) return static_cast<VmaOpKind>(i);
  return std::nullopt;
}

void VmaMap::applyWindow(const VmaWindow& w, std::vector<VmaOp>* ops, uint64_t* bad) {
  Scratch& sc = scratch();
  std::vector<const Vma*>& sent = sc.sent;
  sent.clear();
  for (const Vma& v : w.vmas) sent.push_back(&v);
  std::sort(sent.begin(), sent.end(),
            [](const Vma* a, const Vma* b) { return a->start < b->start; });
  {
    std::vector<const Vma*>& ok = sc.ok;
    ok.clear();
    for (const Vma* v : sent) {
      if (v->start >= v->end || (!ok.empty() && ok.back()->end > v->start)) {
        if (bad) ++*bad;
        continue;
      }
      ok.push_back(v);
    }
    sent.swap(ok);
  }

  std::vector<std::pair<uint64_t, uint64_t>>& cover = sc.cover;
  cover.clear();
  if (w.start < w.end) cover.emplace_back(w.start, w.end);
  for (const Vma* v : sent) cover.emplace_back(v->start, v->end);
  std::sort(cover.begin(), cover.end());
  std::vector<std::pair<uint64_t, uint64_t>>& merged = sc.merged;
  merged.clear();
  for (auto r : cover) {
    if (!merged.empty() && merged.back().second >= r.first)
      merged.back().second = std::max(merged.back().second, r.second);
    else
      merged.push_back(r);
  }

  // Insert v, in a node taken out earlier when there is one.
  auto put = [&](Vma&& v) {
    if (sc.nodes.empty()) {
      m_.emplace(v.start, std::move(v));
      return;
    }
    auto nh = std::move(sc.nodes.back());
    sc.nodes.pop_back();
    nh.key() = v.start;
    nh.mapped() = std::move(v);
    m_.insert(std::move(nh));
  };
  std::vector<Vma>& old = sc.old;
  old.clear();
  for (auto [cs, ce] : merged) {
    auto it = m_.upper_bound(cs);
    if (it != m_.begin() && std::prev(it)->second.end > cs) --it;
    while (it != m_.end() && it->first < ce) {
      auto nh = m_.extract(it++);
      Vma& v = nh.mapped();
      old.push_back(clip(v, cs, ce));
      if (v.end > ce) {
        Vma right = clip(v, ce, v.end);
        put(std::move(right));
      }
      if (v.start < cs) {
        v.end = cs;  // the left remainder keeps its node and key
        m_.insert(std::move(nh));
      } else {
        sc.nodes.push_back(std::move(nh));
      }
    }
  }
  for (const Vma* v : sent) put(Vma(*v));
  // A window that removed many VMAs leaves many nodes: keep a few.
  if (sc.nodes.size() > 16) sc.nodes.resize(16);

  if (ops && w.cause != KMR_VMA_CAUSE_SNAPSHOT) derive(old, sent, w, *ops, sc);
}

const Vma* VmaMap::find(uint64_t addr) const {
  auto it = m_.upper_bound(addr);
  if (it == m_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

bool VmaMap::insert(const Vma& v) {
  if (v.start >= v.end) return false;
  auto it = m_.lower_bound(v.start);
  if (it != m_.end() && it->first < v.end) return false;
  if (it != m_.begin() && std::prev(it)->second.end > v.start) return false;
  m_.emplace(v.start, v);
  return true;
}

std::vector<Vma> VmaMap::list() const {
  std::vector<Vma> v;
  v.reserve(m_.size());
  for (const auto& [s, vma] : m_) v.push_back(vma);
  return v;
}

}  // namespace kmr
