#include "presence_map.h"

#include <algorithm>
#include <bit>

namespace kmr::replayer {

PresenceMap::Chunk* PresenceMap::chunk(uint64_t key, bool create) {
  if (key == cache_key_) return cache_;
  auto it = chunks_.find(key);
  if (it == chunks_.end()) {
    if (!create) return nullptr;
    it = chunks_.emplace(key, std::make_unique<Chunk>()).first;
  }
  cache_key_ = key;
  cache_ = it->second.get();
  return cache_;
}

bool PresenceMap::test(uint64_t vpn) const {
  auto it = chunks_.find(vpn >> kChunkShift);
  if (it == chunks_.end()) return false;
  uint64_t i = vpn & ((uint64_t{1} << kChunkShift) - 1);
  return it->second->w[i / 64] >> (i % 64) & 1;
}

void PresenceMap::clearAll() {
  chunks_.clear();
  cache_key_ = UINT64_MAX;
  cache_ = nullptr;
  count_ = 0;
}

int64_t PresenceMap::setRange(uint64_t begin, uint64_t end, bool present) {
  int64_t delta = 0;
  if (!present && end - begin > (uint64_t{1} << kChunkShift) * chunks_.size()) {
    // A wide clear (munmap of a big range, exit): visit the chunks that exist.
    for (auto it = chunks_.begin(); it != chunks_.end();) {
      uint64_t cb = it->first << kChunkShift, ce = cb + (uint64_t{1} << kChunkShift);
      if (ce <= begin || cb >= end) {
        ++it;
        continue;
      }
      cache_key_ = UINT64_MAX;
      if (cb >= begin && ce <= end) {
        for (uint64_t w : it->second->w) delta -= std::popcount(w);
        it = chunks_.erase(it);
        continue;
      }
      Chunk* c = it->second.get();
      for (uint64_t v = std::max(begin, cb); v < std::min(end, ce); v++) {
        uint64_t i = v - cb;
        uint64_t bit = uint64_t{1} << (i % 64);
        if (c->w[i / 64] & bit) {
          c->w[i / 64] &= ~bit;
          delta--;
        }
      }
      ++it;
    }
    count_ = static_cast<uint64_t>(static_cast<int64_t>(count_) + delta);
    return delta;
  }
  for (uint64_t v = begin; v < end;) {
    uint64_t key = v >> kChunkShift;
    uint64_t ce = std::min(end, (key + 1) << kChunkShift);
    Chunk* c = chunk(key, present);
    if (!c) {
      v = ce;
      continue;
    }
    for (; v < ce; v++) {
      uint64_t i = v & ((uint64_t{1} << kChunkShift) - 1);
      uint64_t& w = c->w[i / 64];
      uint64_t bit = uint64_t{1} << (i % 64);
      if (present && !(w & bit)) {
        w |= bit;
        delta++;
      } else if (!present && (w & bit)) {
        w &= ~bit;
        delta--;
      }
    }
  }
  count_ = static_cast<uint64_t>(static_cast<int64_t>(count_) + delta);
  return delta;
}

void PresenceMap::load(uint64_t first_vpn, uint64_t end_vpn, const PageTable& pages) {
  first_ = first_vpn;
  end_ = end_vpn;
  clearAll();
  pages.forEachRun([&](const PageRun& r) { setRange(r.vpn, r.vpn + r.pages, true); });
}

int64_t PresenceMap::apply(const Event& ev) {
  switch (ev.kind) {
    case EventKind::Pte: {
      uint32_t shift = ev.pte.shift;
      if (shift != 12 && shift != 21 && shift != 30) return 0;
      uint64_t vaddr = ev.pte.vaddr;
      if (vaddr & ((uint64_t{1} << shift) - 1)) return 0;
      uint64_t vpn = vaddr >> 12, step = uint64_t{1} << (shift - 12), n = ev.entries.size();
      if (shift == 12 && n == 1) {
        if (vpn < first_ || vpn >= end_) return 0;
        bool p = KMR_PTE_FLAGS(ev.entries[0]) & KMR_PTE_PRESENT;
        uint64_t i = vpn & ((uint64_t{1} << kChunkShift) - 1);
        Chunk* c = chunk(vpn >> kChunkShift, p);
        if (!c) return 0;
        uint64_t& w = c->w[i / 64];
        uint64_t bit = uint64_t{1} << (i % 64);
        if (p == static_cast<bool>(w & bit)) return 0;
        w ^= bit;
        count_ += p ? 1 : -1;
        return p ? 1 : -1;
      }
      if (vpn >= end_ || n > (end_ - vpn) / step + 1) return 0;
      int64_t d = 0;
      for (uint64_t i = 0; i < n; i++) {
        uint64_t v = vpn + i * step;
        if (v < first_ || v + step > end_) continue;
        d += setRange(v, v + step, KMR_PTE_FLAGS(ev.entries[i]) & KMR_PTE_PRESENT);
      }
      return d;
    }
    case EventKind::PteUnmap: {
      uint64_t s = ev.pte_unmap.start, e = ev.pte_unmap.end;
      if (s >= e) return 0;
      uint64_t b = std::max(s >> 12, first_), x = std::min((e >> 12) + ((e & 0xfff) != 0), end_);
      if (b >= x) return 0;
      return setRange(b, x, false);
    }
    case EventKind::SnapshotBegin:
    case EventKind::Exec:
    case EventKind::Exit: {
      int64_t d = -static_cast<int64_t>(count_);
      clearAll();
      return d;
    }
    default:
      return 0;
  }
}

}  // namespace kmr::replayer
