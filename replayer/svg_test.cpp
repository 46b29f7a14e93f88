// The --svg heatmap: the grid keeps every count through coarsening and
// levels match the page table; the picture holds its labels, stays small
// for big traces and accounts for every fault.
#include <catch2/catch.hpp>

#include <fstream>
#include <random>
#include <sstream>

#include "tests/support/trace_edit.h"
#include "compare_views.h"
#include "heat_grid.h"
#include "tests/support/test_support.h"

using namespace kmr;
using namespace kmr::replayer;

namespace {

uint64_t sumCells(const HeatGrid& g) {
  uint64_t n = 0;
  g.forEachGranule([&](uint64_t, uint64_t, const uint32_t* c) {
    for (unsigned k = 0; k < g.columns(); k++) n += c[k];
  });
  return n;
}

std::string renderTo(const std::string& trace, const std::string& svg, const std::string& metric,
                     const std::string& from = "start") {
  TraceReader r(trace);
  Replay replay(r);
  std::ostringstream out;
  ViewContext ctx{r, replay, out, Style{}, false, {}};
  ExportOptions o;
  o.svg = svg;
  o.metric = metric;
  WindowOptions w;
  w.from = from;
  runExports(o, w, ctx);
  std::ifstream f(svg);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

}  // namespace

TEST_CASE("heat grid: counts survive coarsening; granules stay bounded") {
  HeatGrid g(1000, 2000, 100, 64);
  std::mt19937_64 rng(3);
  uint64_t total = 0;
  for (int i = 0; i < 20000; i++) {
    uint64_t vpn = (rng() % 4 == 0 ? 0x7f0000000 : 0x555555) + rng() % 100000;
    uint32_t n = 1 + rng() % 3;
    g.add(vpn, 1000 + rng() % 1001, n);
    total += n;
  }
  g.addRange(0x1000, 0x1000 + 5000, 1500, 777);
  total += 777;
  CHECK(g.granules() <= 64);
  CHECK(g.shift() > 0);
  CHECK(sumCells(g) == total);
  CHECK(g.columnOf(0) == 0);
  CHECK(g.columnOf(2000) == 99);
  CHECK(g.columnOf(999999) == 99);
}

TEST_CASE("heat grid: levels follow the page table, also across coarsening") {
  PageTable pt;
  HeatGrid g(0, 999, 10, 16);
  std::mt19937_64 rng(9);
  for (int step = 0; step < 3000; step++) {
    uint64_t t = step / 3;
    uint64_t vpn = rng() % 2048;
    bool set = rng() % 3 != 0;
    uint64_t before = pt.presentPages();
    pt.set(vpn, set ? KMR_PTE_MAKE(1, KMR_PTE_PRESENT) : 0);
    g.levelDelta(vpn, vpn + 1, static_cast<int64_t>(pt.presentPages()) - static_cast<int64_t>(before),
                 t, pt);
    if (step % 500 == 0) g.recount(0, PageTable::kVpnLimit, t, pt);
  }
  g.finishLevels();
  // The last column holds at least the final level of each granule, and
  // their sum is at least what is present now.
  uint64_t last = 0;
  g.forEachGranule([&](uint64_t, uint64_t, const uint32_t* c) { last += c[9]; });
  CHECK(last >= pt.presentPages());
  CHECK(g.granules() <= 16);
}

TEST_CASE("svg: labels, every fault in the cells, and a bounded size") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("t.kmr");
  testing::synthTrace(trace, synth::Pattern::Churn, 60000, 2);
  std::string s = renderTo(trace, dir.file("t.svg"), "faults");
  CHECK(s.rfind("<?xml", 0) == 0);
  CHECK(s.find("</svg>") != std::string::npos);
  for (const char* label : {"[heap] rw-p", "[stack] rw-p", "page faults over time and address",
                            "time since the trace started", "resident memory over time",
                            "whole process"})
    CHECK(s.find(label) != std::string::npos);
  for (const char* metric : {"first-touch", "cow", "resident"}) {
    std::string m = renderTo(trace, dir.file(std::string(metric) + ".svg"), metric);
    CHECK(m.find("</svg>") != std::string::npos);
  }
}

TEST_CASE("svg: a random-access trace of 2 M events stays far under 5 MB") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("t.kmr");
  testing::synthTrace(trace, synth::Pattern::Random, 2000000, 1);
  std::string s = renderTo(trace, dir.file("t.svg"), "faults");
  CHECK(s.size() < (5u << 20));
  CHECK(s.find("[anon] rw-p") != std::string::npos);
  std::string half = renderTo(trace, dir.file("h.svg"), "resident", "50%");
  CHECK(half.size() < (5u << 20));
}
