// The text form of `kmemreplay compare`: who was compared, the process
// totals side by side, the matched VMAs with the largest changes first, a
// detail table for the top ones, and what exists on one side only.
#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "compare_print.h"
#include "kmr/time_spec.h"
#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/table.h"

namespace kmr::replayer {
namespace {

using A = Table::Align;

std::string num(int64_t v) { return std::to_string(v); }

std::string timeText(int64_t ns) { return ns < 0 ? "-" : formatSeconds(ns); }

std::string valueText(int64_t v, bool is_time) { return is_time ? timeText(v) : num(v); }

std::string traceLine(const char* tag, const TraceProfile& p) {
  return std::string(tag) + "  " + p.path + ": " + p.header.comm + " pid " +
         std::to_string(p.header.pid) + ", " +
         formatSeconds(static_cast<int64_t>(p.durationNs())) + ", " + std::to_string(p.events) +
         " events";
}

double perSecond(uint64_t n, uint64_t ns) {
  return ns ? static_cast<double>(n) * 1e9 / static_cast<double>(ns) : 0.0;
}

std::string rateText(double v) {
  char b[32];
  std::snprintf(b, sizeof b, "%.0f", v);
  return b;
}

void printProcess(const CompareReport& r, const Style& st, std::ostream& out) {
  const TraceProfile& a = *r.a;
  const TraceProfile& b = *r.b;
  Table t;
  t.columns({"PROCESS", "A", "B", "DELTA"}, {A::Left, A::Right, A::Right, A::Right});
  auto row = [&](const std::string& name, int64_t va, int64_t vb) {
    t.row({name, num(va), num(vb), deltaText(vb - va, false, st)});
  };
  auto i = [](uint64_t v) { return static_cast<int64_t>(v); };
  int64_t da = i(a.durationNs()), db = i(b.durationNs());
  t.row({"duration", formatSeconds(da), formatSeconds(db), deltaText(db - da, true, st)});
  row("events", i(a.events), i(b.events));
  t.row({"peak RSS", bytesText(a.totals.peak_present * 4096), bytesText(b.totals.peak_present * 4096),
         deltaText(i(b.totals.peak_present) - i(a.totals.peak_present), false, st) + " pages"});
  row("faults", i(a.totals.counts.faults), i(b.totals.counts.faults));
  double ra = perSecond(a.totals.counts.faults, a.durationNs());
  double rb = perSecond(b.totals.counts.faults, b.durationNs());
  t.row({"faults/s", rateText(ra), rateText(rb),
         deltaText(static_cast<int64_t>(rb + 0.5) - static_cast<int64_t>(ra + 0.5), false, st)});
  row("major faults", i(a.totals.counts.major), i(b.totals.counts.major));
  row("CoW copies", i(a.totals.counts.cow), i(b.totals.counts.cow));
  row("CoW reuse", i(a.totals.counts.cow_reuse), i(b.totals.counts.cow_reuse));
  row("kmemrec writes", i(a.totals.counts.mem_writes), i(b.totals.counts.mem_writes));
  row("VMAs at start", i(a.lives_at_start), i(b.lives_at_start));
  row("VMAs created", i(a.lives_created), i(b.lives_created));
  row("VMAs unmapped", i(a.lives_ended), i(b.lives_ended));
  row("forks", i(a.totals.forks), i(b.totals.forks));
  row("execs", i(a.totals.execs), i(b.totals.execs));
  row("lost records", i(a.totals.lost_records), i(b.totals.lost_records));
  t.print(out);
}

std::string confText(MatchConfidence c, const Style& st) {
  std::string s(confidenceName(c));
  return c == MatchConfidence::Weak ? st.yellow(s) : s;
}

void printChanges(const CompareReport& r, const CompareOptions& o, const Style& st,
                  std::ostream& out) {
  Table t;
  t.columns({"VMA", "MATCH", "FAULTS A", "FAULTS B", "dFAULTS", "dCOW", "dPEAK", "dFINAL",
             "dFIRST", "dLAST"},
            {A::Left, A::Left, A::Right, A::Right, A::Right, A::Right, A::Right, A::Right,
             A::Right, A::Right});
  size_t shown = 0;
  for (const MatchRow& row : r.rows) {
    if (!row.changed && !o.all) continue;
    auto d = [&](int64_t LifeMetrics::*f, bool time) {
      return deltaText(row.b.*f - row.a.*f, time, st);
    };
    auto dt = [&](int64_t LifeMetrics::*f) {
      if (row.a.*f < 0 || row.b.*f < 0) return std::string(row.a.*f == row.b.*f ? "-" : "?");
      return d(f, true);
    };
    t.row({row.label, confText(row.match.confidence, st), num(row.a.faults), num(row.b.faults),
           d(&LifeMetrics::faults, false),
           deltaText((row.b.cow + row.b.cow_reuse) - (row.a.cow + row.a.cow_reuse), false, st),
           d(&LifeMetrics::peak_resident, false), d(&LifeMetrics::final_resident, false),
           dt(&LifeMetrics::first_touch_ns), dt(&LifeMetrics::last_touch_ns)});
    shown++;
  }
  if (shown) t.print(out);
}

void printDetail(const MatchRow& row, size_t rank, const CompareReport& r, const Style& st,
                 std::ostream& out) {
  const VmaLife& la = r.a->lives[row.match.a];
  const VmaLife& lb = r.b->lives[row.match.b];
  out << st.bold("#" + std::to_string(rank) + " " + row.label) << "  ("
      << confidenceName(row.match.confidence) << ": " << row.match.how << ")\n";
  auto where = [&](const char* tag, const VmaLife& l, const TraceProfile& p) {
    std::string s = std::string("   ") + tag + " " + hex(l.start) + "-" + hex(l.end) + ", " +
                    std::string(lifeOriginName(l.origin)) + " at " +
                    formatSeconds(static_cast<int64_t>(l.created_ns - std::min(l.created_ns, p.start_ns)));
    if (!l.alive())
      s += ", " + std::string(lifeEndName(l.end_how)) + " at " +
           formatSeconds(static_cast<int64_t>(l.ended_ns - std::min(l.ended_ns, p.start_ns)));
    if (l.moves) s += ", moved " + std::to_string(l.moves) + "x";
    if (l.grows) s += ", grew " + std::to_string(l.grows) + "x";
    if (l.protects) s += ", mprotect " + std::to_string(l.protects) + "x";
    return s;
  };
  out << where("A", la, *r.a) << '\n' << where("B", lb, *r.b) << '\n';
  Table t;
  t.columns({"", "A", "B", "DELTA"}, {A::Left, A::Right, A::Right, A::Right});
  for (const MetricInfo& mi : lifeMetricInfo()) {
    int64_t va = row.a.*mi.field, vb = row.b.*mi.field;
    std::string d;
    if (mi.is_time && (va < 0 || vb < 0)) d = va == vb ? "" : "?";
    else d = deltaText(vb - va, mi.is_time, st);
    t.row({std::string("   ") + mi.label, valueText(va, mi.is_time), valueText(vb, mi.is_time), d});
  }
  t.print(out);
}

void printOnly(const char* title, const std::vector<uint32_t>& ids, const TraceProfile& p,
               bool added, const Style& st, std::ostream& out) {
  out << st.bold(title) << ' ' << ids.size() << '\n';
  if (ids.empty()) return;
  Table t;
  t.columns({"", "VMA", "START", "ORIGIN", "END", "FAULTS", "COW", "PEAK", "FINAL"},
            {A::Left, A::Left, A::Left, A::Left, A::Left, A::Right, A::Right, A::Right, A::Right});
  for (uint32_t id : ids) {
    const VmaLife& l = p.lives[id];
    std::string mark = added ? st.green("+") : st.red("-");
    t.row({mark, lifeLabel(l, p.names), hex(l.start), std::string(lifeOriginName(l.origin)),
           std::string(lifeEndName(l.end_how)), num(static_cast<int64_t>(l.counts.faults)),
           num(static_cast<int64_t>(l.counts.cow + l.counts.cow_reuse)),
           num(static_cast<int64_t>(l.peak_resident)), num(static_cast<int64_t>(l.final_resident))});
  }
  t.print(out);
}

void printInstant(const CompareReport& r, const Style& st, std::ostream& out) {
  const InstantProfile& ia = *r.a->instant;
  const InstantProfile& ib = *r.b->instant;
  char pct[32];
  std::snprintf(pct, sizeof pct, "%g%%", ia.fraction * 100.0);
  out << st.bold(std::string("resident pages at ") + pct + " of each trace") << '\n'
      << "A  " << formatSeconds(static_cast<int64_t>(ia.mono_ns - r.a->start_ns)) << ", after "
      << ia.position << " events: " << ia.present_pages << " pages present\n"
      << "B  " << formatSeconds(static_cast<int64_t>(ib.mono_ns - r.b->start_ns)) << ", after "
      << ib.position << " events: " << ib.present_pages << " pages present\n\n";
  Table t;
  t.columns({"", "VMA", "MATCH", "A", "B", "DELTA"},
            {A::Left, A::Left, A::Left, A::Right, A::Right, A::Right});
  for (const InstantRow& row : r.instant) {
    std::string mark = row.a < 0 ? st.green("+") : row.b < 0 ? st.red("-") : " ";
    std::string match = row.match.a != VmaLife::kNone && row.match.b != VmaLife::kNone
                            ? std::string(confidenceName(row.match.confidence))
                            : row.a < 0 ? "only B" : "only A";
    t.row({mark, row.label, match, row.a < 0 ? "-" : num(row.a), row.b < 0 ? "-" : num(row.b),
           deltaText(std::max<int64_t>(row.b, 0) - std::max<int64_t>(row.a, 0), false, st)});
  }
  t.print(out);
  out << '\n'
      << st.dim("A, B: resident pages of each VMA at that instant; - = not mapped then") << '\n';
}

}  // namespace

std::string deltaText(int64_t d, bool is_time, const Style& st) {
  if (d == 0) return "0";
  std::string s = is_time ? (d > 0 ? "+" : "") + formatSeconds(d) : (d > 0 ? "+" : "") + std::to_string(d);
  return d > 0 ? st.green(s) : st.red(s);
}

void printCompareText(const CompareReport& r, const CompareOptions& o, const Style& st,
                      std::ostream& out) {
  out << st.bold(traceLine("A", *r.a)) << '\n' << st.bold(traceLine("B", *r.b)) << "\n\n";
  if (r.a->instant && r.b->instant) {
    printInstant(r, st, out);
    return;
  }
  printProcess(r, st, out);
  out << '\n'
      << st.bold("VMAs") << "  " << r.rows.size() << " matched (" << r.exact << " exact, "
      << r.strong << " strong, " << r.weak << " weak), " << r.only_a.size() << " only in A, "
      << r.only_b.size() << " only in B; " << r.changed << " changed";
  if (!o.all && r.rows.size() > r.changed)
    out << ", " << r.rows.size() - r.changed << " unchanged not listed (--all lists them)";
  out << "\n\n";
  if (r.changed || o.all) {
    printChanges(r, o, st, out);
    out << '\n';
  }
  size_t n = 0;
  for (const MatchRow& row : r.rows) {
    if (n >= o.top || !row.changed) break;
    printDetail(row, ++n, r, st, out);
    out << '\n';
  }
  printOnly("only in A (removed)", r.only_a, *r.a, false, st, out);
  out << '\n';
  printOnly("only in B (added)", r.only_b, *r.b, true, st, out);
  out << '\n'
      << st.dim("d = B - A.  COW: copies + reuses.  PEAK/FINAL: resident pages (final = at "
                "exit, exec or the end; 0 when unmapped before).  FIRST/LAST: first and last "
                "fault, CoW or kmemrec write, from each trace's start.")
      << '\n';
}

}  // namespace kmr::replayer
