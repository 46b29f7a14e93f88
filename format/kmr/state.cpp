#include "kmr/state.h"

#include <algorithm>

namespace kmr {
namespace {

constexpr uint64_t kUserVpnEnd = 1ull << 44;  // 57-bit user address space
constexpr size_t kMaxPendingWindows = 16;
constexpr uint32_t kMaxWindowVmas = 1u << 20;
constexpr uint64_t kHoldEvents = 64;  // an mremap's second half comes sooner

constexpr uint64_t bit(unsigned k) { return 1ull << k; }
constexpr uint64_t kVmaKinds = bit(KMR_EV_VMA_SYNC) | bit(KMR_EV_VMA);
constexpr uint64_t kPteKinds = bit(KMR_EV_PTE) | bit(KMR_EV_PTE_UNMAP);
constexpr uint64_t kWholeKinds =
    bit(KMR_EV_SNAPSHOT_BEGIN) | bit(KMR_EV_SNAPSHOT_END) | bit(KMR_EV_EXEC) | bit(KMR_EV_EXIT);

uint64_t ceilVpn(uint64_t addr) { return (addr >> 12) + ((addr & 0xfff) != 0); }

bool sameIdentity(const VmaOp& a, const VmaOp& b) {
  return a.ino == b.ino && a.dev == b.dev && a.pgoff == b.pgoff && a.vma_flags == b.vma_flags &&
         (a.ino != 0 || a.name == b.name);
}

Vma toVma(const Event& ev) {
  Vma v;
  v.start = ev.vma.start;
  v.end = ev.vma.end;
  v.pgoff = ev.vma.pgoff;
  v.ino = ev.vma.ino;
  v.dev = ev.vma.dev;
  v.vm_flags = ev.vma.vm_flags;
  v.flags = ev.flags;
  v.name.assign(ev.text);
  return v;
}

}  // namespace

ShadowState::ShadowState(uint64_t range_start, uint64_t range_end) {
  if (range_start == 0 && range_end == 0) {
    first_vpn_ = 0;
    end_vpn_ = kUserVpnEnd;
  } else {
    first_vpn_ = std::min(range_start >> 12, kUserVpnEnd);
    end_vpn_ = std::min(ceilVpn(range_end), kUserVpnEnd);
    if (end_vpn_ < first_vpn_) end_vpn_ = first_vpn_;
  }
}

void ShadowState::resetContent() {
  pages_.clearAll();
  vmas_.clear();
  unknown_pages_.clear();
  unknown_vmas_.clear();
  pending_.clear();
  exited_ = false;
  exit_code_ = 0;
}

void ShadowState::allUnknown(bool pages, bool vmas) {
  if (pages) unknown_pages_.add(first_vpn_, end_vpn_);
  if (vmas) {
    unknown_vmas_.add(first_vpn_, end_vpn_);
    pending_.clear();
  }
}

void ShadowState::applySlow(const Event& ev, std::vector<VmaOp>* ops) {
  applied_ += ev.kind == EventKind::Gap ? ev.gap.events : 1;
  last_seq_ = ev.seq;
  last_ns_ = ev.time_ns;
  if (ev.time_ns > max_ns_) max_ns_ = ev.time_ns;
  if (!held_.empty() && applied_ - held_at_ >= kHoldEvents) flushHeld(ops);

  switch (ev.kind) {
    case EventKind::Pte:
      applyPte(ev);
      return;
    case EventKind::Fault:
    case EventKind::Cow:
    case EventKind::PageData:
      return;
    case EventKind::PteUnmap:
      applyUnmap(ev.pte_unmap.start, ev.pte_unmap.end);
      return;
    case EventKind::VmaSync:
      applyVmaSync(ev, ops);
      return;
    case EventKind::Vma:
      applyVma(ev, ops);
      return;
    default:
      break;
  }

  // Rare kinds: an mremap half still held is not going to be paired now.
  if (!held_.empty()) flushHeld(ops);
  switch (ev.kind) {
    case EventKind::SnapshotBegin:
      resetContent();
      break;
    case EventKind::Exec:
      resetContent();
      break;
    case EventKind::Exit:
      resetContent();
      exited_ = true;
      exit_code_ = ev.exit.code;
      break;
    case EventKind::Lost: {
      uint64_t k = ev.lost.kinds;
      bool whole = k == 0 || (k & kWholeKinds);
      allUnknown(whole || (k & kPteKinds), whole || (k & kVmaKinds));
      break;
    }
    case EventKind::Gap:
      allUnknown(true, true);
      break;
    default:  // SNAPSHOT_END, FORK, MEM_WRITE: no state
      break;
  }
}

void ShadowState::applyPte(const Event& ev) {
  uint32_t shift = ev.pte.shift;
  unsigned level;
  if (shift == 12) level = 0;
  else if (shift == 21) level = 1;
  else if (shift == 30) level = 2;
  else {
    anomalies_++;
    return;
  }
  uint64_t vaddr = ev.pte.vaddr;
  uint64_t n = ev.entries.size();
  if (vaddr & ((1ull << shift) - 1)) {
    anomalies_++;
    return;
  }
  uint64_t vpn = vaddr >> 12;
  uint64_t step = 1ull << (shift - 12);
  if (level == 0 && n == 1) {  // the common case: one small page
    if (vpn < first_vpn_ || vpn >= end_vpn_) {
      anomalies_++;
      return;
    }
    pages_.set(vpn, ev.entries[0]);
    if (!unknown_pages_.empty()) unknown_pages_.remove(vpn, vpn + 1);
    return;
  }
  if (vpn >= end_vpn_ || n > (end_vpn_ - vpn) / step + 1) {
    anomalies_++;  // also keeps vpn + n * step from overflowing
    return;
  }
  uint64_t end = vpn + n * step;
  for (uint64_t i = 0; i < n; i++) {
    uint64_t v = vpn + i * step;
    if (v < first_vpn_ || v + step > end_vpn_) continue;
    uint64_t e = ev.entries[i];
    if (level == 0) pages_.set(v, e);
    else pages_.setLeaf(v, level, e);
  }
  if (vpn < first_vpn_ || end > end_vpn_) anomalies_++;
  if (!unknown_pages_.empty()) unknown_pages_.remove(vpn, end);
}

void ShadowState::applyUnmap(uint64_t start, uint64_t end) {
  if (start >= end) {
    if (start > end) anomalies_++;
    return;
  }
  uint64_t b = std::max(start >> 12, first_vpn_);
  uint64_t e = std::min(ceilVpn(end), end_vpn_);
  if (b >= e) {
    anomalies_++;
    return;
  }
  pages_.clear(b, e);
  if (!unknown_pages_.empty()) unknown_pages_.remove(b, e);
}

void ShadowState::applyVmaSync(const Event& ev, std::vector<VmaOp>* ops) {
  VmaWindow w;
  w.sync_seq = ev.seq;
  w.start = ev.vma_sync.start;
  w.end = ev.vma_sync.end;
  w.count = ev.vma_sync.count;
  w.cause = ev.flags;
  w.time_ns = ev.time_ns;
  if (w.start > w.end || w.count > kMaxWindowVmas) {
    anomalies_++;
    unknown_vmas_.add(std::max(w.start >> 12, first_vpn_), end_vpn_);
    return;
  }
  if (w.count == 0) {
    completeWindow(w, ops);
    return;
  }
  if (pending_.size() == kMaxPendingWindows) {
    // The oldest window will never complete: its outcome is unknown.
    anomalies_++;
    const VmaWindow& old = pending_.front();
    unknown_vmas_.add(old.start >> 12, ceilVpn(old.end));
    pending_.erase(pending_.begin());
  }
  pending_.push_back(std::move(w));
}

void ShadowState::applyVma(const Event& ev, std::vector<VmaOp>* ops) {
  auto it = std::find_if(pending_.begin(), pending_.end(),
                         [&](const VmaWindow& w) { return w.sync_seq == ev.vma.sync_seq; });
  if (it == pending_.end()) {
    // A VMA without its window (lost or damaged): it exists, but what it
    // replaced is not known.
    anomalies_++;
    if (ev.vma.start < ev.vma.end)
      unknown_vmas_.add(ev.vma.start >> 12, ceilVpn(ev.vma.end));
    return;
  }
  it->vmas.push_back(toVma(ev));
  if (it->vmas.size() < it->count) return;
  VmaWindow w = std::move(*it);
  pending_.erase(it);
  completeWindow(w, ops);
}

void ShadowState::completeWindow(const VmaWindow& w, std::vector<VmaOp>* ops) {
  std::vector<VmaOp>* derived = nullptr;
  if (ops) {
    scratch_ops_.clear();
    derived = &scratch_ops_;
  }
  vmas_.applyWindow(w, derived, &anomalies_);
  if (!unknown_vmas_.empty()) {
    // The window's cover is known now (its parts, not what lies between).
    if (w.start < w.end) unknown_vmas_.remove(w.start >> 12, ceilVpn(w.end));
    for (const Vma& v : w.vmas)
      if (v.start < v.end) unknown_vmas_.remove(v.start >> 12, ceilVpn(v.end));
  }
  if (ops) pairOrEmit(scratch_ops_, w.cause, ops);
}

// mremap may arrive as two windows (destination, then source, or the
// reverse).  A lone map or unmap from an MREMAP window is held until the
// next window: if that one brings the other half, both become one move.
void ShadowState::pairOrEmit(std::vector<VmaOp>& fresh, uint32_t cause,
                             std::vector<VmaOp>* ops) {
  if (!held_.empty() && cause == KMR_VMA_CAUSE_MREMAP && fresh.size() == 1 &&
      held_.size() == 1) {
    VmaOp& h = held_.front();
    VmaOp& f = fresh.front();
    bool complementary = (h.kind == VmaOpKind::Map && f.kind == VmaOpKind::Unmap) ||
                         (h.kind == VmaOpKind::Unmap && f.kind == VmaOpKind::Map);
    if (complementary && sameIdentity(h, f)) {
      const VmaOp& dst = h.kind == VmaOpKind::Map ? h : f;
      const VmaOp& src = h.kind == VmaOpKind::Map ? f : h;
      VmaOp move = dst;
      move.kind = VmaOpKind::Move;
      move.old_start = src.start;
      move.old_end = src.end;
      move.old_vm_flags = src.vm_flags;
      held_.clear();
      ops->push_back(std::move(move));
      return;
    }
  }
  if (!held_.empty()) flushHeld(ops);
  if (cause == KMR_VMA_CAUSE_MREMAP && fresh.size() == 1 &&
      (fresh.front().kind == VmaOpKind::Map || fresh.front().kind == VmaOpKind::Unmap)) {
    held_ = std::move(fresh);
    fresh.clear();
    held_at_ = applied_;
    return;
  }
  ops->insert(ops->end(), std::make_move_iterator(fresh.begin()),
              std::make_move_iterator(fresh.end()));
}

void ShadowState::flushHeld(std::vector<VmaOp>* ops) {
  if (ops) ops->insert(ops->end(), held_.begin(), held_.end());
  held_.clear();
}

bool ShadowState::sameContent(const ShadowState& o) const {
  return exited_ == o.exited_ && exit_code_ == o.exit_code_ && vmas_ == o.vmas_ &&
         unknown_pages_ == o.unknown_pages_ && unknown_vmas_ == o.unknown_vmas_ &&
         pending_ == o.pending_ && pages_ == o.pages_;
}

}  // namespace kmr
