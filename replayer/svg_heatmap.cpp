#include "svg_heatmap.h"

#include <algorithm>

namespace kmr::replayer {
namespace {

constexpr size_t kMaxGranules = 8192;

std::string bandLabel(const VmaLife& l, const NameTable& names) {
  const std::string& n = names.str(l.name);
  size_t slash = n.rfind('/');
  std::string s = slash == std::string::npos || n.front() == '[' ? n : n.substr(slash + 1);
  return s + " " + permString(l.vm_flags);
}

}  // namespace

std::optional<HeatMetric> heatMetricFromName(std::string_view s) {
  if (s == "faults") return HeatMetric::Faults;
  if (s == "first-touch") return HeatMetric::FirstTouch;
  if (s == "cow") return HeatMetric::Cow;
  if (s == "resident") return HeatMetric::Resident;
  return std::nullopt;
}

std::string_view heatMetricName(HeatMetric m) {
  switch (m) {
    case HeatMetric::Faults: return "faults";
    case HeatMetric::FirstTouch: return "first-touch";
    case HeatMetric::Cow: return "cow";
    case HeatMetric::Resident: return "resident";
  }
  return "?";
}

SvgCollector::SvgCollector(HeatMetric metric, uint64_t t0, uint64_t t1, const LifeTracker& tracker)
    : metric_(metric), tracker_(tracker), grid_(t0, t1, kColumns, kMaxGranules),
      total_(kColumns, 0) {}

void SvgCollector::note(LifeInfo& info, uint64_t start, uint64_t end) {
  uint64_t lo = start / 4096, hi = (end + 4095) / 4096;
  for (auto& [a, b] : info.extents)
    if (lo <= b && hi >= a) {  // overlapping or adjacent: one extent
      a = std::min(a, lo);
      b = std::max(b, hi);
      return;
    }
  if (info.extents.size() < 8) info.extents.emplace_back(lo, hi);
  else {
    info.extents.back().first = std::min(info.extents.back().first, lo);
    info.extents.back().second = std::max(info.extents.back().second, hi);
  }
}

void SvgCollector::lifeBegan(const VmaLife& l) {
  LifeInfo& info = live_[l.id];
  info = LifeInfo{};
  info.label = bandLabel(l, tracker_.names());
  info.first_col = info.filled = grid_.columnOf(tracker_.now());
  note(info, l.start, l.end);
}

void SvgCollector::lifeChanged(const VmaLife& l, const VmaOp&) {
  auto it = live_.find(l.id);
  if (it != live_.end()) note(it->second, l.last_start, l.last_end);
}

// Record `level` from column col on, the old level having lasted until
// then; cols[i] holds column first + i.
void SvgCollector::levelTo(std::vector<uint32_t>& cols, uint32_t first, uint64_t old_level,
                           uint64_t level, uint32_t& filled, unsigned col) {
  if (col < first) col = first;
  size_t need = col - first + 1;
  if (cols.size() < need) cols.resize(need, 0);
  uint32_t o = static_cast<uint32_t>(std::min<uint64_t>(old_level, UINT32_MAX));
  for (unsigned c = filled + 1; c <= col; c++) cols[c - first] = std::max(cols[c - first], o);
  if (col > filled) filled = col;
  cols[col - first] = std::max(cols[col - first], static_cast<uint32_t>(std::min<uint64_t>(level, UINT32_MAX)));
}

void SvgCollector::residentChanged(const VmaLife& l) {
  auto it = live_.find(l.id);
  if (it == live_.end()) return;
  LifeInfo& info = it->second;
  levelTo(info.resident, info.first_col, info.level, l.resident, info.filled,
          grid_.columnOf(tracker_.now()));
  info.level = l.resident;
}

void SvgCollector::lifeEnded(const VmaLife& l) {
  auto it = live_.find(l.id);
  if (it == live_.end()) return;
  note(it->second, l.last_start, l.last_end);
  levelTo(it->second.resident, it->second.first_col, it->second.level, 0, it->second.filled,
          grid_.columnOf(tracker_.now()));
  fold(l, it->second);
  live_.erase(it);
}

// Put a life into the bands: every extent it held joins (and merges) the
// bands it overlaps; its resident pages count in the band of its last one.
void SvgCollector::fold(const VmaLife& l, LifeInfo& info) {
  uint64_t last_lo = l.last_start / 4096;
  for (auto [lo, hi] : info.extents) {
    uint32_t keep = UINT32_MAX;
    for (bool again = true; again;) {
      again = false;
      auto it = band_at_.upper_bound(lo);
      if (it != band_at_.begin()) --it;
      for (; it != band_at_.end() && bands_[it->second].lo < hi;) {
        HeatBand& b = bands_[it->second];
        if (b.hi <= lo) {
          ++it;
          continue;
        }
        lo = std::min(lo, b.lo);
        hi = std::max(hi, b.hi);
        if (keep == UINT32_MAX) {
          keep = it->second;
        } else {  // merge b into keep
          HeatBand& k = bands_[keep];
          for (auto& [name, pages] : b.labels) k.labels[name] += pages;
          k.lives += b.lives;
          for (size_t c = 0; c < k.resident.size(); c++) k.resident[c] += b.resident[c];
          b.lo = b.hi = 0;
          b.labels.clear();
        }
        it = band_at_.erase(it);
        again = true;
      }
    }
    if (keep == UINT32_MAX) {
      keep = static_cast<uint32_t>(bands_.size());
      bands_.emplace_back();
      bands_.back().resident.assign(SvgCollector::kColumns, 0);
    }
    HeatBand& b = bands_[keep];
    b.lo = lo;
    b.hi = hi;
    band_at_[lo] = keep;
    bool last = last_lo >= lo && last_lo < hi;
    b.labels[info.label] += hi - lo;
    if (last) {
      b.lives++;
      for (size_t i = 0; i < info.resident.size(); i++) {
        size_t c = info.first_col + i;
        if (c < b.resident.size()) b.resident[c] += info.resident[i];
      }
    }
  }
}

void SvgCollector::access(const VmaLife*, const Event& ev) {
  uint64_t t = tracker_.now();
  if (metric_ == HeatMetric::Faults && ev.kind == EventKind::Fault)
    grid_.add(ev.fault.vaddr / 4096, t);
  else if (metric_ == HeatMetric::Cow && ev.kind == EventKind::Cow)
    grid_.add(ev.cow.vaddr / 4096, t);
}

void SvgCollector::pagesChanged(const Event& ev, int64_t delta, const ShadowState& state) {
  uint64_t t = tracker_.now();
  if (delta != 0) {
    uint64_t present = tracker_.presentPages();
    uint32_t filled = total_filled_;
    levelTo(total_, 0, total_level_, present, filled, grid_.columnOf(t));
    total_filled_ = filled;
    total_level_ = present;
  }

  uint64_t vb = 0, ve = PageTable::kVpnLimit;
  bool ranged = false;
  if (ev.kind == EventKind::Pte && ev.pte.shift <= 30) {
    vb = ev.pte.vaddr / 4096;
    ve = vb + (static_cast<uint64_t>(ev.entries.size()) << (ev.pte.shift - 12));
    ranged = true;
  } else if (ev.kind == EventKind::PteUnmap) {
    vb = ev.pte_unmap.start / 4096;
    ve = (ev.pte_unmap.end + 4095) / 4096;
    ranged = true;
  }
  if (metric_ == HeatMetric::FirstTouch) {
    if (ev.kind == EventKind::Pte && delta > 0 &&
        (ev.flags == KMR_PTE_CAUSE_FAULT || ev.flags == KMR_PTE_CAUSE_SWAPIN))
      grid_.addRange(vb, ve, t, static_cast<uint64_t>(delta));
  } else if (metric_ == HeatMetric::Resident) {
    if (ranged) grid_.levelDelta(vb, ve, delta, t, state.pages());
    else grid_.recount(0, PageTable::kVpnLimit, t, state.pages());
  }
}

void SvgCollector::finish() {
  unsigned last = SvgCollector::kColumns - 1;
  std::vector<uint32_t> ids;
  for (auto& [id, info] : live_) ids.push_back(id);
  std::sort(ids.begin(), ids.end());
  for (uint32_t id : ids) {
    LifeInfo& info = live_[id];
    const VmaLife& l = tracker_.lives()[id];
    note(info, l.last_start, l.last_end);
    levelTo(info.resident, info.first_col, info.level, info.level, info.filled, last);
    fold(l, info);
  }
  live_.clear();
  uint32_t filled = total_filled_;
  levelTo(total_, 0, total_level_, total_level_, filled, last);
  total_filled_ = filled;
  if (metric_ == HeatMetric::Resident) grid_.finishLevels();
  std::vector<HeatBand> kept;
  for (HeatBand& b : bands_)
    if (b.hi > b.lo) kept.push_back(std::move(b));
  std::sort(kept.begin(), kept.end(), [](const HeatBand& a, const HeatBand& b) { return a.lo < b.lo; });
  bands_ = std::move(kept);
  band_at_.clear();
  for (HeatBand& b : bands_)
    for (uint32_t v : b.resident) b.peak = std::max<uint64_t>(b.peak, v);
}

}  // namespace kmr::replayer
