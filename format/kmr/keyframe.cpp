#include "kmr/keyframe.h"

#include "kmr/error.h"

namespace kmr {
namespace {

constexpr uint64_t kMaxKeyframePages = 1ull << 38;

[[noreturn]] void damaged(const char* what) {
  throw Error(Error::Code::Damaged, std::string("keyframe: ") + what);
}

// Store a run using the largest aligned leaves, so even a huge run costs
// little time and memory.
void setRun(PageTable& pt, uint64_t vpn, uint64_t n, uint64_t pfn, uint32_t flags) {
  while (n) {
    unsigned level = 0;
    if (!(vpn & ((1ull << 18) - 1)) && n >= (1ull << 18)) level = 2;
    else if (!(vpn & 511) && n >= 512) level = 1;
    uint64_t step = 1ull << (9 * level);
    if (level == 0) pt.set(vpn, KMR_PTE_MAKE(pfn, flags));
    else pt.setLeaf(vpn, level, KMR_PTE_MAKE(pfn, flags));
    vpn += step;
    pfn += step;
    n -= step;
  }
}

}  // namespace

detail::KeyframeFrame KeyframeCodec::encode(const ShadowState& s, uint32_t number) {
  detail::KeyframeFrame k;
  k.number = number;
  k.event_index = s.applied();
  k.last_seq = s.lastSeq();
  k.max_time_ns = s.maxTimeNs();
  k.last_time_ns = s.lastTimeNs();
  k.vmas = s.vmas().list();
  vpns_.clear();
  pages_.clear();
  pfns_.clear();
  flags_.clear();
  uint64_t prev_end = 0, prev_pfn_end = 0;
  uint32_t prev_flags = 0;
  s.pages().forEachRun([&](const PageRun& r) {
    vpns_.put(r.vpn - prev_end);
    pages_.put(r.pages - 1);
    pfns_.putSigned(static_cast<int64_t>(r.pfn - prev_pfn_end));
    flags_.put(r.flags ^ prev_flags);
    prev_end = r.vpn + r.pages;
    prev_pfn_end = r.pfn + r.pages;
    prev_flags = r.flags;
    k.run_count++;
  });
  k.run_vpns = vpns_.sealed();
  k.run_pages = pages_.sealed();
  k.run_pfns = pfns_.sealed();
  k.run_flags = flags_.sealed();
  k.unknown_pages = s.unknownPages().ranges();
  k.unknown_vmas = s.unknownVmas().ranges();
  k.pending = s.pendingWindows();
  k.exited = s.exited();
  k.exit_code = s.exitCode();
  return k;
}

void KeyframeCodec::decode(const detail::KeyframeFrame& k, ShadowState& s) {
  s.resetContent();
  s.held_.clear();
  for (const Vma& v : k.vmas)
    if (!s.vmas_.insert(v)) damaged("overlapping or empty VMA");
  detail::ColumnReader vpns(k.run_vpns), pages(k.run_pages), pfns(k.run_pfns), flags(k.run_flags);
  if (k.run_count > k.run_vpns.size()) damaged("more runs than bytes");
  uint64_t prev_end = 0, prev_pfn_end = 0, total = 0;
  uint32_t prev_flags = 0;
  for (uint64_t i = 0; i < k.run_count; i++) {
    uint64_t vpn = prev_end + vpns.get();
    uint64_t n = pages.get() + 1;
    uint64_t pfn = prev_pfn_end + static_cast<uint64_t>(pfns.getSigned());
    uint32_t f = static_cast<uint32_t>(flags.get()) ^ prev_flags;
    if (vpns.bad() || pages.bad() || pfns.bad() || flags.bad()) damaged("run columns too short");
    if (vpn < prev_end || n == 0 || n > kMaxKeyframePages || vpn < s.first_vpn_ ||
        vpn > s.end_vpn_ || n > s.end_vpn_ - vpn || (total += n) > kMaxKeyframePages ||
        !(f & KMR_PTE_PRESENT) || f > 0xffff || pfn > KMR_PTE_PFN_MASK)
      damaged("run outside the traced range or out of order");
    setRun(s.pages_, vpn, n, pfn, f);
    prev_end = vpn + n;
    prev_pfn_end = pfn + n;
    prev_flags = f;
  }
  if (!vpns.atEnd() || !pages.atEnd() || !pfns.atEnd() || !flags.atEnd())
    damaged("run columns have bytes left over");
  for (auto [b, e] : k.unknown_pages) {
    if (b >= e) damaged("empty unknown range");
    s.unknown_pages_.add(b, e);
  }
  for (auto [b, e] : k.unknown_vmas) {
    if (b >= e) damaged("empty unknown range");
    s.unknown_vmas_.add(b, e);
  }
  s.pending_ = k.pending;
  s.exited_ = k.exited;
  s.exit_code_ = k.exit_code;
  s.applied_ = k.event_index;
  s.last_seq_ = k.last_seq;
  s.max_ns_ = k.max_time_ns;
  s.last_ns_ = k.last_time_ns;
}

}  // namespace kmr
