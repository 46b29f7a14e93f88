// compare on kmemsynth traces: the same workload at other addresses matches
// every VMA with zero deltas; a workload with more faults in one VMA shows
// exactly that delta and nothing else.
#include <catch2/catch.hpp>

#include <sstream>

#include "compare_print.h"
#include "compare_report.h"
#include "tests/support/trace_edit.h"
#include "tests/support/test_support.h"

using namespace kmr;
using namespace kmr::replayer;

namespace {

constexpr uint64_t kOtherBase = 0x455555554000;  // the default minus 16 TiB

// The regions of a kmemsynth process at the default base, each moved by
// its own amount (2 MiB multiples, as ASLR does).
std::vector<testing::Slide> aslrSlides() {
  return {{0x555555554000, 0x565555554000, -0x1000000000},
          {0x7e0000000000, 0x7f0000100000, -0x2002000000},
          {0x7ffb00000000, 0x7ffd00000000, 0x4000000}};
}

void requireSame(const CompareReport& r) {
  INFO(r.a->path << " vs " << r.b->path);
  CHECK(r.only_a.empty());
  CHECK(r.only_b.empty());
  CHECK(r.weak == 0);
  CHECK(r.changed == 0);
  CHECK(r.rows.size() == r.a->lives.size());
  CHECK(r.rows.size() == r.b->lives.size());
  for (const MatchRow& row : r.rows) {
    INFO(row.label);
    for (const MetricInfo& mi : lifeMetricInfo()) CHECK(row.a.*mi.field == row.b.*mi.field);
  }
  CHECK(r.a->totals.counts == r.b->totals.counts);
  CHECK(r.a->totals.peak_present == r.b->totals.peak_present);
}

const MatchRow* rowOf(const CompareReport& r, const std::string& cls) {
  for (const MatchRow& row : r.rows)
    if (row.cls == cls) return &row;
  return nullptr;
}

}  // namespace

TEST_CASE("compare: the same workload at another base matches every VMA with zero deltas") {
  kmr::testing::TempDir dir;
  for (auto p : {synth::Pattern::Seq, synth::Pattern::Random, synth::Pattern::Fork,
                 synth::Pattern::Churn}) {
    std::string name(synth::patternName(p));
    SECTION(name) {
      std::string a = dir.file(name + "-a.kmr"), b = dir.file(name + "-b.kmr");
      testing::synthTrace(a, p, 60000, 7);
      testing::synthTrace(b, p, 60000, 7, kOtherBase);
      auto [pa, pb] = profileTraces(a, b, std::nullopt);
      CHECK(pa.lives.size() > 15);
      requireSame(buildReport(pa, pb));
    }
  }
}

TEST_CASE("compare: independent slides of exe, mmap area and stack (ASLR) change nothing") {
  kmr::testing::TempDir dir;
  for (auto p : {synth::Pattern::Churn, synth::Pattern::Fork}) {
    std::string a = dir.file("a.kmr"), b = dir.file("b.kmr");
    testing::synthTrace(a, p, 40000, 11);
    testing::slideRegions(a, b, aslrSlides());
    auto [pa, pb] = profileTraces(a, b, std::nullopt);
    CompareReport r = buildReport(pa, pb);
    requireSame(r);
    // Really moved: no life of B sits where its match sits in A.
    for (const MatchRow& row : r.rows) {
      const VmaLife& la = pa.lives[row.match.a];
      const VmaLife& lb = pb.lives[row.match.b];
      if (la.kind != LifeKind::Special) CHECK(la.start != lb.start);
    }
    // The identities that are unique are exact.
    for (const char* cls : {"name:[heap]", "name:[stack]", "name:[vdso]", "file:<exe>",
                            "anon-after:/usr/lib/x86_64-linux-gnu/libc.so.6"}) {
      const MatchRow* row = rowOf(r, cls);
      INFO(cls);
      REQUIRE(row);
      if (std::string(cls) != "file:<exe>") CHECK(row->match.confidence == MatchConfidence::Exact);
    }
  }
}

TEST_CASE("compare: more faults in the heap show as exactly that delta") {
  kmr::testing::TempDir dir;
  std::string a = dir.file("a.kmr"), b0 = dir.file("b0.kmr"), b = dir.file("b.kmr");
  testing::synthTrace(a, synth::Pattern::Churn, 60000, 5);
  testing::synthTrace(b0, synth::Pattern::Churn, 60000, 5, kOtherBase);
  uint64_t heap = kOtherBase + 0x100000;
  REQUIRE(testing::addFaults(b0, b, heap, heap + (1ull << 30), 25) == 25);
  auto [pa, pb] = profileTraces(a, b, std::nullopt);
  CompareReport r = buildReport(pa, pb);
  CHECK(r.only_a.empty());
  CHECK(r.only_b.empty());
  REQUIRE(r.changed == 1);
  const MatchRow& row = r.rows.front();  // the largest change comes first
  CHECK(row.cls == "name:[heap]");
  CHECK(row.match.confidence == MatchConfidence::Exact);
  for (const MetricInfo& mi : lifeMetricInfo()) {
    INFO(mi.key);
    int64_t d = row.b.*mi.field - row.a.*mi.field;
    if (mi.field == &LifeMetrics::faults) CHECK(d == 25);
    else if (mi.field == &LifeMetrics::minor || mi.field == &LifeMetrics::write) CHECK(d == 25);
    else CHECK(d == 0);  // the copies are writes at the same instants
  }
  CHECK(pb.totals.counts.faults == pa.totals.counts.faults + 25);

  std::ostringstream text;
  printCompareText(r, CompareOptions{}, Style{}, text);
  CHECK(text.str().find("[heap] rw-p") != std::string::npos);
  CHECK(text.str().find("+25") != std::string::npos);
}

TEST_CASE("compare: more faults in one anonymous buffer among many identical ones") {
  kmr::testing::TempDir dir;
  std::string a = dir.file("a.kmr"), b0 = dir.file("b0.kmr"), b = dir.file("b.kmr");
  testing::synthTrace(a, synth::Pattern::Seq, 60000, 3);
  testing::synthTrace(b0, synth::Pattern::Seq, 60000, 3, kOtherBase);
  // The second buffer each maps and fills (B's wherever its layout put it).
  auto buffers = [](const TraceProfile& p) {
    std::vector<const VmaLife*> v;
    for (const VmaLife& l : p.lives)
      if (l.kind == LifeKind::Anon && l.origin == LifeOrigin::Mapped && l.counts.faults >= 40)
        v.push_back(&l);
    return v;
  };
  TraceProfile pa0 = profileTrace(a, std::nullopt), pb0 = profileTrace(b0, std::nullopt);
  auto bufs = buffers(pa0), bufs_b = buffers(pb0);
  REQUIRE(bufs.size() >= 3);
  REQUIRE(bufs_b.size() == bufs.size());
  REQUIRE(testing::addFaults(b0, b, bufs_b[1]->start, bufs_b[1]->end, 40) == 40);
  auto [pa, pb] = profileTraces(a, b, std::nullopt);
  CompareReport r = buildReport(pa, pb);
  REQUIRE(r.changed == 1);
  const MatchRow& row = r.rows.front();
  CHECK(row.cls == "anon");
  CHECK(pa.lives[row.match.a].start == bufs[1]->start);
  CHECK(row.b.faults - row.a.faults == 40);
  CHECK(row.b.peak_resident == row.a.peak_resident);
}

TEST_CASE("compare --at-relative: resident pages per VMA at the same share of each trace") {
  kmr::testing::TempDir dir;
  std::string a = dir.file("a.kmr"), b = dir.file("b.kmr");
  testing::synthTrace(a, synth::Pattern::Fork, 50000, 2);
  testing::slideRegions(a, b, aslrSlides());
  auto [pa, pb] = profileTraces(a, b, 0.5);
  CompareReport r = buildReport(pa, pb);
  REQUIRE(pa.instant);
  CHECK(pa.instant->position > 0);
  CHECK(pa.instant->position < pa.events);
  int64_t sum = 0;
  for (const InstantRow& row : r.instant) {
    CHECK(row.a == row.b);
    if (row.a > 0) sum += row.a;
  }
  // Every present page of a kmemsynth process lies in some VMA.
  CHECK(sum == static_cast<int64_t>(pa.instant->present_pages));
  CHECK(sum > 1000);
  nlohmann::json j = compareJson(r, CompareOptions{});
  CHECK(j["at_relative"]["a"]["present_pages"] == pa.instant->present_pages);
  CHECK(j["at_relative"]["vmas"].size() == r.instant.size());
}

TEST_CASE("compare: a trace compared with itself after an exec") {
  kmr::testing::TempDir dir;
  std::string a = dir.file("a.kmr"), b = dir.file("b.kmr");
  synth::SynthOptions o;
  o.pattern = synth::Pattern::Churn;
  o.events = 30000;
  o.exec = true;
  synth::writeTrace(o, a);
  o.base = kOtherBase;
  synth::writeTrace(o, b);
  auto [pa, pb] = profileTraces(a, b, std::nullopt);
  CHECK(pa.totals.execs == 1);
  CompareReport r = buildReport(pa, pb);
  requireSame(r);
  bool second_image = false;
  for (const MatchRow& row : r.rows) second_image |= row.cls.rfind("exec1:", 0) == 0;
  CHECK(second_image);
}
