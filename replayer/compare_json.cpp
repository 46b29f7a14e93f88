// The JSON form of `kmemreplay compare` (see README for the shape): every
// number the text shows, unabridged: all matches, all one-sided lives.
#include "compare_print.h"
#include "base/abi_names.h"
#include "base/numbers.h"

namespace kmr::replayer {
namespace {

using nlohmann::json;

json traceJson(const TraceProfile& p) {
  const LifeTotals& t = p.totals;
  double secs = static_cast<double>(p.durationNs()) / 1e9;
  return {{"trace", p.path},
          {"pid", p.header.pid},
          {"comm", p.header.comm},
          {"start_mono_ns", p.start_ns},
          {"duration_ns", p.durationNs()},
          {"events", p.events},
          {"peak_rss_pages", t.peak_present},
          {"faults", t.counts.faults},
          {"faults_per_s", secs > 0 ? static_cast<double>(t.counts.faults) / secs : 0.0},
          {"major_faults", t.counts.major},
          {"cow", t.counts.cow},
          {"cow_reuse", t.counts.cow_reuse},
          {"mem_writes", t.counts.mem_writes},
          {"vmas_at_start", p.lives_at_start},
          {"vmas_created", p.lives_created},
          {"vmas_unmapped", p.lives_ended},
          {"forks", t.forks},
          {"execs", t.execs},
          {"lost_records", t.lost_records}};
}

json metricsJson(const LifeMetrics& m) {
  json j = json::object();
  for (const MetricInfo& mi : lifeMetricInfo()) {
    int64_t v = m.*mi.field;
    if (mi.is_time && v < 0) j[mi.key] = nullptr;
    else j[mi.key] = v;
  }
  return j;
}

json lifeJson(const VmaLife& l, const TraceProfile& p) {
  auto rel = [&](uint64_t t) { return t >= p.start_ns ? t - p.start_ns : 0; };
  json j = {{"id", l.id},
            {"name", p.names.str(l.name)},
            {"kind", lifeKindName(l.kind)},
            {"perm", permString(l.vm_flags)},
            {"vm_flags", l.vm_flags},
            {"start", l.start},
            {"end", l.end},
            {"pgoff", l.pgoff},
            {"ino", l.ino},
            {"dev", l.dev},
            {"image", l.image},
            {"origin", lifeOriginName(l.origin)},
            {"created_ns", rel(l.created_ns)},
            {"ended", lifeEndName(l.end_how)},
            {"ended_ns", l.alive() ? json(nullptr) : json(rel(l.ended_ns))},
            {"moves", l.moves},
            {"grows", l.grows},
            {"protects", l.protects},
            {"metrics", metricsJson(lifeMetrics(l, p.start_ns))}};
  if (l.after != NameTable::kNone) j["after"] = p.names.str(l.after);
  return j;
}

}  // namespace

json compareJson(const CompareReport& r, const CompareOptions& o) {
  (void)o;
  json matched = json::array();
  for (const MatchRow& row : r.rows) {
    json delta = json::object();
    for (const MetricInfo& mi : lifeMetricInfo()) {
      int64_t va = row.a.*mi.field, vb = row.b.*mi.field;
      if (mi.is_time && (va < 0 || vb < 0)) delta[mi.key] = nullptr;
      else delta[mi.key] = vb - va;
    }
    matched.push_back({{"label", row.label},
                       {"class", row.cls},
                       {"confidence", confidenceName(row.match.confidence)},
                       {"how", row.match.how},
                       {"changed", row.changed},
                       {"a", lifeJson(r.a->lives[row.match.a], *r.a)},
                       {"b", lifeJson(r.b->lives[row.match.b], *r.b)},
                       {"delta", delta}});
  }
  json only_a = json::array(), only_b = json::array();
  for (uint32_t id : r.only_a) only_a.push_back(lifeJson(r.a->lives[id], *r.a));
  for (uint32_t id : r.only_b) only_b.push_back(lifeJson(r.b->lives[id], *r.b));
  json j = {{"a", traceJson(*r.a)},
            {"b", traceJson(*r.b)},
            {"summary",
             {{"matched", r.rows.size()},
              {"exact", r.exact},
              {"strong", r.strong},
              {"weak", r.weak},
              {"changed", r.changed},
              {"only_a", r.only_a.size()},
              {"only_b", r.only_b.size()}}},
            {"matched", matched},
            {"only_a", only_a},
            {"only_b", only_b}};
  if (r.a->instant && r.b->instant) {
    json rows = json::array();
    for (const InstantRow& row : r.instant) {
      json x = {{"label", row.label},
                {"a_pages", row.a < 0 ? json(nullptr) : json(row.a)},
                {"b_pages", row.b < 0 ? json(nullptr) : json(row.b)}};
      if (row.match.a != VmaLife::kNone) x["a_id"] = row.match.a;
      if (row.match.b != VmaLife::kNone) x["b_id"] = row.match.b;
      if (row.match.a != VmaLife::kNone && row.match.b != VmaLife::kNone)
        x["confidence"] = confidenceName(row.match.confidence);
      rows.push_back(x);
    }
    auto side = [](const TraceProfile& p) {
      return json{{"mono_ns", p.instant->mono_ns},
                  {"relative_ns", p.instant->mono_ns - p.start_ns},
                  {"events_applied", p.instant->position},
                  {"present_pages", p.instant->present_pages}};
    };
    j["at_relative"] = {{"fraction", r.a->instant->fraction},
                        {"a", side(*r.a)},
                        {"b", side(*r.b)},
                        {"vmas", rows}};
  }
  return j;
}

}  // namespace kmr::replayer
