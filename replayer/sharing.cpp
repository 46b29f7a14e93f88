// Sharing: one sorted list of (frame, process) pairs for every present page
// of every process, then a second walk of each page table looks each frame
// up.  O(P log P) for P present pages in all; no per-frame map.
#include "sharing.h"

#include <algorithm>

namespace kmr::replayer {

void SharingCounts::add(const SharingCounts& o) {
  present += o.present;
  shared += o.shared;
  own += o.own;
  zero += o.zero;
  for (const auto& [pid, n] : o.with) with[pid] += n;
}

namespace {

struct FrameUse {
  uint64_t pfn;
  uint32_t proc;  // index into the distinct processes
  bool operator<(const FrameUse& o) const { return pfn != o.pfn ? pfn < o.pfn : proc < o.proc; }
  bool operator==(const FrameUse& o) const = default;
};

}  // namespace

std::vector<SharingProcess> computeSharing(const std::vector<SharingInput>& in) {
  // Distinct processes (by pid), in order of first appearance.
  std::vector<uint32_t> pids;
  std::vector<size_t> slot(in.size());
  for (size_t i = 0; i < in.size(); i++) {
    auto it = std::find(pids.begin(), pids.end(), in[i].pid);
    slot[i] = static_cast<size_t>(it - pids.begin());
    if (it == pids.end()) pids.push_back(in[i].pid);
  }

  std::vector<FrameUse> uses;
  for (size_t i = 0; i < in.size(); i++) {
    if (!in[i].pages) continue;
    in[i].pages->forEachRun([&](const PageRun& r) {
      if (r.flags & KMR_PTE_ZERO) return;
      for (uint64_t k = 0; k < r.pages; k++)
        uses.push_back({r.pfn + k, static_cast<uint32_t>(slot[i])});
    });
  }
  std::sort(uses.begin(), uses.end());
  uses.erase(std::unique(uses.begin(), uses.end()), uses.end());

  // The processes other than @self that map @pfn, via f(pid).
  auto others = [&](uint64_t pfn, size_t self, auto&& f) {
    auto it = std::lower_bound(uses.begin(), uses.end(), FrameUse{pfn, 0});
    for (; it != uses.end() && it->pfn == pfn; ++it)
      if (it->proc != self) f(pids[it->proc]);
  };

  std::vector<SharingProcess> out(pids.size());
  std::vector<bool> done(pids.size());
  for (size_t i = 0; i < in.size(); i++) {
    size_t p = slot[i];
    out[p].pid = pids[p];
    if (done[p] || !in[i].pages) continue;
    done[p] = true;
    const PageTable& pt = *in[i].pages;
    auto count = [&](uint64_t begin, uint64_t end, SharingCounts& c) {
      pt.forEachRun(begin, end, [&](const PageRun& r) {
        c.present += r.pages;
        if (r.flags & KMR_PTE_ZERO) {
          c.zero += r.pages;
          return;
        }
        for (uint64_t k = 0; k < r.pages; k++) {
          bool shared = false;
          others(r.pfn + k, p, [&](uint32_t pid) {
            shared = true;
            c.with[pid]++;
          });
          (shared ? c.shared : c.own)++;
        }
      });
    };
    uint64_t covered_to = 0;
    SharingCounts outside;
    if (in[i].vmas) {
      for (const auto& [start, v] : *in[i].vmas) {
        SharingVma sv{v, {}};
        count(v.start >> 12, v.end >> 12, sv.counts);
        if ((v.start >> 12) > covered_to) count(covered_to, v.start >> 12, outside);
        covered_to = v.end >> 12;
        out[p].total.add(sv.counts);
        out[p].vmas.push_back(std::move(sv));
      }
    }
    count(covered_to, PageTable::kVpnLimit, outside);
    out[p].total.add(outside);
  }
  return out;
}

}  // namespace kmr::replayer
