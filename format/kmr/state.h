// The shadow state of one traced process: the one state machine shared by
// the writer (keyframes), the replayer and the recorder's live view.
//
// apply(event) for every kind (abi.h semantics):
//
//   SNAPSHOT_BEGIN  resets everything (the snapshot re-sends all of it)
//   SNAPSHOT_END    nothing
//   VMA_SYNC, VMA   collected into a window, applied when its last VMA record
//                   arrives (VmaMap::applyWindow), which yields VmaOps
//   PTE             sets nr entries of 1 << shift bytes (12, 21 or 30); a
//                   non-present entry clears its range
//   PTE_UNMAP       clears [start, end)
//   COW, FAULT, FORK, MEM_WRITE, PAGE_DATA
//                   no state change (the PTE records carry the new state)
//   EXEC            drops every VMA and page (a snapshot of the new mm follows)
//   EXIT            drops every VMA and page, marks the target exited
//   LOST            the state the lost kinds could have changed becomes
//                   unknown: VMA kinds -> all VMAs, PTE kinds -> all pages,
//                   snapshot/exec/exit or unknown kinds -> everything
//   GAP (reader)    everything unknown, as LOST of every kind
//
// "Unknown" ranges shrink again as exact information arrives: a PTE record
// or PTE_UNMAP makes its range known, a VMA window makes its cover known, a
// snapshot makes everything known.  Stale values inside unknown ranges are
// kept (shown as "last known" by the views).
//
// Malformed events (a PTE shift other than 12/21/30, a misaligned huge
// leaf, ranges outside the traced range, orphan VMA records) are not
// applied and are counted in anomalies(); apply never throws.
#pragma once

#include <cstdint>
#include <vector>

#include "kmr/event.h"
#include "kmr/interval_set.h"
#include "kmr/page_table.h"
#include "kmr/vma_map.h"

namespace kmr {

class ShadowState {
 public:
  // Traced range in bytes; 0, 0 = the whole (57-bit) user address space.
  explicit ShadowState(uint64_t range_start = 0, uint64_t range_end = 0);

  // Apply one event.  VMA operations derived from a window completed by this
  // event are appended to *ops when ops is given.  (Without ops the state
  // is the same; only the classification is skipped.)
  void apply(const Event& ev, std::vector<VmaOp>* ops = nullptr) {
    // The most common records inline: no state change, or one small page.
    if (held_.empty()) {
      if (ev.kind == EventKind::Fault || ev.kind == EventKind::Cow) {
        note(ev);
        return;
      }
      if (ev.kind == EventKind::Pte && onePageKnown(ev)) {
        note(ev);
        pages_.set(ev.pte.vaddr >> 12, ev.entries[0]);
        return;
      }
    }
    applySlow(ev, ops);
  }
  // apply(pte, ops) then apply(fault, ops) for a fault's PTE and its FAULT
  // (same seq and time: the writer's commonest pair, one ring record),
  // with the common case inline (a call per event was ~30 instructions of
  // the recorder's work per fault).
  [[gnu::always_inline]] void applyFaultPair(const Event& pte, const Event& fault,
                                             std::vector<VmaOp>* ops) {
    if (held_.empty() && onePageKnown(pte)) {
      applied_++;  // and note() counts the FAULT
      note(fault);
      pages_.set(pte.pte.vaddr >> 12, pte.entries[0]);
      return;
    }
    apply(pte, ops);
    apply(fault, ops);
  }
  // Emit VMA operations held back to pair the two halves of an mremap (call
  // at the end of a trace).
  void flushHeld(std::vector<VmaOp>* ops);

  const PageTable& pages() const { return pages_; }
  const VmaMap& vmas() const { return vmas_; }
  const IntervalSet& unknownPages() const { return unknown_pages_; }  // vpns
  const IntervalSet& unknownVmas() const { return unknown_vmas_; }    // vpns
  const std::vector<VmaWindow>& pendingWindows() const { return pending_; }
  bool exited() const { return exited_; }
  int32_t exitCode() const { return exit_code_; }
  uint64_t anomalies() const { return anomalies_; }
  bool pageKnown(uint64_t vpn) const { return !unknown_pages_.contains(vpn); }
  // [first, end) vpns of the traced range.
  uint64_t rangeFirstVpn() const { return first_vpn_; }
  uint64_t rangeEndVpn() const { return end_vpn_; }

  // Where the state is: events applied (a GAP counts its missing events),
  // the last seq, the highest and the last time_ns seen.
  uint64_t applied() const { return applied_; }
  uint64_t lastSeq() const { return last_seq_; }
  uint64_t maxTimeNs() const { return max_ns_; }
  uint64_t lastTimeNs() const { return last_ns_; }

  // A keyframe may be taken now (no mremap half is waiting for its pair).
  bool canKeyframe() const { return held_.empty(); }
  // Count positions from here: applied() becomes 0 (the state begins a new
  // file, e.g. a flight-recorder window).  Content and times stay.
  void restartPosition() {
    applied_ = 0;
    held_at_ = 0;
  }

  // Equal content: pages (by page), VMAs, unknown ranges, pending windows,
  // exit status.  Position and counters are not compared.
  bool sameContent(const ShadowState& o) const;

 private:
  friend class KeyframeCodec;

  // A PTE record of one 4 KiB entry inside the traced range while no page
  // is unknown: apply()'s inline case.
  bool onePageKnown(const Event& pte) const {
    if (pte.pte.shift != 12 || pte.entries.size() != 1 || !unknown_pages_.empty() ||
        (pte.pte.vaddr & 0xfff))
      return false;
    uint64_t vpn = pte.pte.vaddr >> 12;
    return vpn >= first_vpn_ && vpn < end_vpn_;
  }
  void note(const Event& ev) {
    applied_++;
    last_seq_ = ev.seq;
    last_ns_ = ev.time_ns;
    if (ev.time_ns > max_ns_) max_ns_ = ev.time_ns;
  }
  void applySlow(const Event& ev, std::vector<VmaOp>* ops);
  void applyPte(const Event& ev);
  void applyUnmap(uint64_t start, uint64_t end);
  void applyVmaSync(const Event& ev, std::vector<VmaOp>* ops);
  void applyVma(const Event& ev, std::vector<VmaOp>* ops);
  void completeWindow(const VmaWindow& w, std::vector<VmaOp>* ops);
  void pairOrEmit(std::vector<VmaOp>& fresh, uint32_t cause, std::vector<VmaOp>* ops);
  void resetContent();
  void allUnknown(bool pages, bool vmas);

  PageTable pages_;
  VmaMap vmas_;
  IntervalSet unknown_pages_;
  IntervalSet unknown_vmas_;
  std::vector<VmaWindow> pending_;
  std::vector<VmaOp> held_;  // half of an mremap seen in its own window
  uint64_t held_at_ = 0;     // applied() when held_ was filled
  std::vector<VmaOp> scratch_ops_;
  bool exited_ = false;
  int32_t exit_code_ = 0;
  uint64_t anomalies_ = 0;
  uint64_t first_vpn_ = 0;
  uint64_t end_vpn_ = 0;
  uint64_t applied_ = 0;
  uint64_t last_seq_ = 0;
  uint64_t max_ns_ = 0;
  uint64_t last_ns_ = 0;
};

}  // namespace kmr
