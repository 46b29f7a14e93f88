#include "compare_report.h"

#include <algorithm>
#include <cstdlib>
#include <map>

#include "base/abi_names.h"
#include "base/numbers.h"

namespace kmr::replayer {
namespace {

int64_t rel(uint64_t t, uint64_t start) {
  if (t == 0) return -1;
  return t >= start ? static_cast<int64_t>(t - start) : 0;
}

std::string shortName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos || path.front() == '[' ? path : path.substr(slash + 1);
}

}  // namespace

LifeMetrics lifeMetrics(const VmaLife& l, uint64_t start) {
  const LifeCounts& c = l.counts;
  auto i = [](uint64_t v) { return static_cast<int64_t>(v); };
  return {i(c.faults),         i(c.minor),         i(c.major),          i(c.write),
          i(c.read),           i(c.exec),          i(c.cow),            i(c.cow_reuse),
          i(c.mem_writes),     i(c.first_touch),   i(l.max_pages),      i(l.peak_resident),
          i(l.final_resident), rel(l.first_touch_ns, start), rel(l.last_touch_ns, start)};
}

const std::vector<MetricInfo>& lifeMetricInfo() {
  // Sub-kinds of faults do not add to the sort key (faults already counts
  // them); times are not counts.
  static const std::vector<MetricInfo> v = {
      {"faults", "faults", &LifeMetrics::faults, false, true},
      {"minor", "  minor", &LifeMetrics::minor, false, false},
      {"major", "  major", &LifeMetrics::major, false, false},
      {"write", "  write", &LifeMetrics::write, false, false},
      {"read", "  read", &LifeMetrics::read, false, false},
      {"exec", "  exec", &LifeMetrics::exec, false, false},
      {"cow", "CoW copies", &LifeMetrics::cow, false, true},
      {"cow_reuse", "CoW reuse", &LifeMetrics::cow_reuse, false, true},
      {"mem_writes", "kmemrec writes", &LifeMetrics::mem_writes, false, true},
      {"first_touch_pages", "pages first touched", &LifeMetrics::first_touch, false, true},
      {"pages", "size (pages)", &LifeMetrics::pages, false, true},
      {"peak_resident", "peak resident", &LifeMetrics::peak_resident, false, true},
      {"final_resident", "final resident", &LifeMetrics::final_resident, false, true},
      {"first_touch_ns", "first touch", &LifeMetrics::first_touch_ns, true, false},
      {"last_touch_ns", "last touch", &LifeMetrics::last_touch_ns, true, false},
  };
  return v;
}

std::string lifeLabel(const VmaLife& l, const NameTable& names) {
  std::string s = shortName(names.str(l.name)) + " " + permString(l.vm_flags);
  if (l.kind == LifeKind::File && l.pgoff) s += " +0x" + hex(l.pgoff * 4096);
  if (l.kind == LifeKind::Anon) {
    s += " " + bytesText(l.max_pages * 4096);
    if (l.after != NameTable::kNone) s += " after " + shortName(names.str(l.after));
  }
  if (l.image) s += " (exec " + std::to_string(l.image) + ")";
  return s;
}

CompareReport buildReport(const TraceProfile& a, const TraceProfile& b) {
  CompareReport r;
  r.a = &a;
  r.b = &b;
  MatchResult m = matchLives({a.lives, a.names, a.header.comm}, {b.lives, b.names, b.header.comm});
  // Number anonymous lives of one label by creation order, so repeated
  // "[anon] rw-p 8.0 KiB" rows can be told apart.
  std::vector<uint32_t> order(a.lives.size());
  {
    std::vector<uint32_t> ids(a.lives.size());
    for (uint32_t i = 0; i < ids.size(); i++) ids[i] = i;
    std::stable_sort(ids.begin(), ids.end(), [&](uint32_t x, uint32_t y) {
      return a.lives[x].created_ns < a.lives[y].created_ns;
    });
    std::map<std::string, uint32_t> seen;
    for (uint32_t id : ids) order[id] = ++seen[lifeLabel(a.lives[id], a.names)];
  }
  const auto& info = lifeMetricInfo();
  for (const LifeMatch& lm : m.matched) {
    const VmaLife& la = a.lives[lm.a];
    const VmaLife& lb = b.lives[lm.b];
    MatchRow row;
    row.match = lm;
    row.cls = identityClass(la, a.names, a.header.comm);
    row.label = lifeLabel(la, a.names);
    std::string lbl = lifeLabel(lb, b.names);
    if (lbl != row.label) row.label += " -> " + lbl;
    if (la.kind == LifeKind::Anon && la.after == NameTable::kNone)
      row.label += " #" + std::to_string(order[la.id]);
    row.a = lifeMetrics(la, a.start_ns);
    row.b = lifeMetrics(lb, b.start_ns);
    for (const MetricInfo& mi : info) {
      int64_t d = row.b.*mi.field - row.a.*mi.field;
      if (d) row.changed = true;
      if (mi.sorts) row.change += static_cast<uint64_t>(std::llabs(d));
    }
    switch (lm.confidence) {
      case MatchConfidence::Exact: r.exact++; break;
      case MatchConfidence::Strong: r.strong++; break;
      case MatchConfidence::Weak: r.weak++; break;
    }
    if (row.changed) r.changed++;
    r.rows.push_back(std::move(row));
  }
  std::stable_sort(r.rows.begin(), r.rows.end(), [](const MatchRow& x, const MatchRow& y) {
    if (x.change != y.change) return x.change > y.change;
    if (x.changed != y.changed) return x.changed;
    return x.label < y.label;
  });
  r.only_a = std::move(m.only_a);
  r.only_b = std::move(m.only_b);

  if (a.instant && b.instant) {
    auto res = [](const TraceProfile& p, uint32_t id) -> int64_t {
      if (id == VmaLife::kNone || id >= p.instant->resident.size()) return -1;
      uint64_t v = p.instant->resident[id];
      return v == InstantProfile::kNotAlive ? -1 : static_cast<int64_t>(v);
    };
    for (const MatchRow& row : r.rows) {
      InstantRow ir{row.match, row.label, res(a, row.match.a), res(b, row.match.b)};
      if (ir.a >= 0 || ir.b >= 0) r.instant.push_back(ir);
    }
    for (uint32_t id : r.only_a) {
      InstantRow ir{{id, VmaLife::kNone, MatchConfidence::Weak, ""}, lifeLabel(a.lives[id], a.names),
                    res(a, id), -1};
      if (ir.a >= 0) r.instant.push_back(ir);
    }
    for (uint32_t id : r.only_b) {
      InstantRow ir{{VmaLife::kNone, id, MatchConfidence::Weak, ""}, lifeLabel(b.lives[id], b.names),
                    -1, res(b, id)};
      if (ir.b >= 0) r.instant.push_back(ir);
    }
    std::stable_sort(r.instant.begin(), r.instant.end(), [](const InstantRow& x, const InstantRow& y) {
      int64_t dx = std::llabs(std::max<int64_t>(x.b, 0) - std::max<int64_t>(x.a, 0));
      int64_t dy = std::llabs(std::max<int64_t>(y.b, 0) - std::max<int64_t>(y.a, 0));
      if (dx != dy) return dx > dy;
      return x.label < y.label;
    });
  }
  return r;
}

}  // namespace kmr::replayer
