// --perfetto output checked against the trace-event format's rules (fields,
// phases, per-track order, B/E nesting), against the trace (every fault and
// CoW accounted for, as instants or in aggregated counters), and against
// its size bound.
#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <sstream>

#include "tests/support/trace_edit.h"
#include "compare_views.h"
#include "kmr/error.h"
#include "kmr/reader.h"
#include "tests/support/test_support.h"
#include "trace_event_writer.h"

using namespace kmr;
using namespace kmr::replayer;
using nlohmann::json;

namespace {

struct Export {
  json doc;
  uint64_t bytes = 0;
  std::string out;
};

Export run(const std::string& trace, const std::string& path, uint64_t max_mb = 200,
           const std::string& from = "start", const std::string& to = "end") {
  TraceReader r(trace);
  Replay replay(r);
  std::ostringstream out;
  ViewContext ctx{r, replay, out, Style{}, false, {}};
  ExportOptions o;
  o.perfetto = path;
  o.perfetto_max_mb = max_mb;
  WindowOptions w;
  w.from = from;
  w.to = to;
  runExports(o, w, ctx);
  Export e;
  std::ifstream f(path);
  std::stringstream ss;
  ss << f.rdbuf();
  e.bytes = ss.str().size();
  e.doc = json::parse(ss.str());
  e.out = out.str();
  return e;
}

struct Checked {
  std::map<std::string, uint64_t> by_ph;
  uint64_t fault_instants = 0, cow_instants = 0, lost_instants = 0;
  uint64_t aggregated_faults = 0, aggregated_cows = 0;
  double min_ts = 1e300, max_ts = 0;
};

// The format's rules, as chrome://tracing and Perfetto apply them.
Checked checkFormat(const json& doc, uint32_t pid) {
  Checked c;
  REQUIRE(doc.is_object());
  REQUIRE(doc["traceEvents"].is_array());
  CHECK(doc["displayTimeUnit"] == "ms");
  REQUIRE(doc["otherData"].is_object());
  for (auto& [k, v] : doc["otherData"].items()) CHECK(v.is_string());
  std::map<std::pair<uint32_t, uint32_t>, double> last_ts;
  std::map<std::string, double> last_counter;
  std::map<std::pair<uint32_t, uint32_t>, std::vector<std::string>> open;
  for (const json& e : doc["traceEvents"]) {
    REQUIRE(e.is_object());
    REQUIRE(e.contains("ph"));
    REQUIRE(e.contains("name"));
    REQUIRE(e.contains("pid"));
    REQUIRE(e.contains("tid"));
    REQUIRE(e.contains("ts"));
    std::string ph = e["ph"];
    std::string name = e["name"];
    CHECK(e["pid"] == pid);
    CHECK(e["ts"].is_number());
    CHECK(e["ts"].get<double>() >= 0);
    c.by_ph[ph]++;
    if (ph == "M") {
      REQUIRE(e["args"].is_object());
      if (name == "thread_name" || name == "process_name") CHECK(e["args"]["name"].is_string());
      else CHECK(e["args"]["sort_index"].is_number_integer());
      continue;
    }
    double ts = e["ts"];
    c.min_ts = std::min(c.min_ts, ts);
    c.max_ts = std::max(c.max_ts, ts);
    if (ph == "C") {
      REQUIRE(e["args"].is_object());
      for (auto& [k, v] : e["args"].items()) CHECK(v.is_number());
      auto it = last_counter.find(name);
      if (it != last_counter.end()) CHECK(ts >= it->second);
      last_counter[name] = ts;
      if (e["args"].contains("faults")) c.aggregated_faults += e["args"]["faults"].get<uint64_t>();
      if (e["args"].contains("cow")) c.aggregated_cows += e["args"]["cow"].get<uint64_t>();
      continue;
    }
    auto key = std::make_pair(e["pid"].get<uint32_t>(), e["tid"].get<uint32_t>());
    auto it = last_ts.find(key);
    if (it != last_ts.end()) {
      INFO(e.dump());
      CHECK(ts >= it->second);
    }
    last_ts[key] = ts;
    if (ph == "B") {
      open[key].push_back(name);
    } else if (ph == "E") {
      REQUIRE(!open[key].empty());
      CHECK(open[key].back() == name);
      open[key].pop_back();
    } else if (ph == "i") {
      REQUIRE(e.contains("s"));
      std::string s = e["s"];
      CHECK((s == "g" || s == "p" || s == "t"));
      if (name.find("fault") != std::string::npos && s == "t") c.fault_instants++;
      if ((name.rfind("cow", 0) == 0 || name == "kmemrec write") && s == "t") c.cow_instants++;
      if (name.rfind("LOST", 0) == 0) {
        CHECK(s == "g");
        c.lost_instants++;
      }
    } else if (ph == "X") {
      REQUIRE(e.contains("dur"));
      CHECK(e["dur"].get<double>() >= 0);
    } else {
      FAIL("unexpected phase " << ph);
    }
  }
  for (auto& [k, v] : open) CHECK(v.empty());
  return c;
}

}  // namespace

TEST_CASE("perfetto: every fault, CoW and life of a trace, in the format's rules") {
  kmr::testing::TempDir dir;
  for (auto p : {synth::Pattern::Churn, synth::Pattern::Fork}) {
    std::string trace = dir.file("t.kmr"), out = dir.file("t.json");
    synth::SynthOptions o;
    o.pattern = p;
    o.events = 60000;
    o.lost = true;
    o.exec = p == synth::Pattern::Churn;
    synth::writeTrace(o, trace);
    TraceReader r(trace);
    TraceTotals totals = Replay(r).totals();
    Export e = run(trace, out);
    Checked c = checkFormat(e.doc, r.header().pid);
    CHECK(c.fault_instants == totals.by_kind[KMR_EV_FAULT]);
    CHECK(c.cow_instants == totals.by_kind[KMR_EV_COW] + totals.by_kind[KMR_EV_MEM_WRITE]);
    CHECK(c.aggregated_faults == 0);
    CHECK(c.lost_instants >= 1);
    CHECK(c.by_ph["X"] == c.lost_instants);
    // One slice per life: the map operations plus what the snapshots found.
    CHECK(c.by_ph["B"] >= totals.vma_ops[static_cast<size_t>(VmaOpKind::Map)]);
    CHECK(c.by_ph["B"] == c.by_ph["E"]);
    CHECK(e.doc["otherData"]["faults"] == "faults as instants");
    CHECK(e.out.find("perfetto") != std::string::npos);
    // ts are microseconds from the trace start.
    CHECK(c.max_ts <= (r.endNs() - r.startNs()) / 1000.0 + 1);
  }
}

TEST_CASE("perfetto: over the size bound, faults become counters that still add up") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("t.kmr"), out = dir.file("t.json");
  testing::synthTrace(trace, synth::Pattern::Random, 300000, 4);
  TraceReader r(trace);
  TraceTotals totals = Replay(r).totals();
  REQUIRE(totals.by_kind[KMR_EV_FAULT] > 50000);
  Export e = run(trace, out, 2);  // 2 MiB: far less than the instants need
  CHECK(e.bytes <= 2u << 20);
  Checked c = checkFormat(e.doc, r.header().pid);
  CHECK(c.fault_instants == 0);
  CHECK(c.aggregated_faults == totals.by_kind[KMR_EV_FAULT]);
  CHECK(c.aggregated_cows + c.cow_instants ==
        totals.by_kind[KMR_EV_COW] + totals.by_kind[KMR_EV_MEM_WRITE]);
  std::string faults = e.doc["otherData"]["faults"];
  CHECK(faults.find("aggregated") != std::string::npos);
  CHECK(e.doc["otherData"]["decimation"].get<std::string>().find("faults expected") != std::string::npos);
}

TEST_CASE("perfetto: a hard stop keeps the file under the bound and the slices paired") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("t.kmr"), out = dir.file("t.json");
  testing::synthTrace(trace, synth::Pattern::Churn, 200000, 8);
  Export e = run(trace, out, 1);
  CHECK(e.bytes <= 1u << 20);
  Checked c = checkFormat(e.doc, 4242);
  CHECK(c.by_ph["B"] == c.by_ph["E"]);
}

TEST_CASE("perfetto: --from/--to keep the events inside the window") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("t.kmr"), out = dir.file("t.json");
  testing::synthTrace(trace, synth::Pattern::Churn, 60000, 6);
  TraceReader r(trace);
  double span_us = (r.endNs() - r.startNs()) / 1000.0;
  Export e = run(trace, out, 200, "25%", "75%");
  Checked c = checkFormat(e.doc, r.header().pid);
  CHECK(c.min_ts >= span_us * 0.25 - 1);
  CHECK(c.max_ts <= span_us * 0.75 + 1);
  CHECK(c.fault_instants > 0);
  CHECK(c.by_ph["B"] == c.by_ph["E"]);
}

TEST_CASE("perfetto: a trace of several processes, one track group each") {
  kmr::testing::TempDir dir;
  std::string trace = dir.file("tree.kmr"), out = dir.file("tree.json");
  synth::SynthOptions so;
  so.events = 6000;
  so.pattern = synth::Pattern::Fork;
  so.processes = 3;
  synth::writeTrace(so, trace);
  TraceReader r(trace);
  REQUIRE(r.streams().size() == 3);
  std::ostringstream text;
  Replay replay(r);
  ViewContext ctx{r, replay, text, Style{}, false, {}};
  ExportOptions o;
  o.perfetto = out;
  runPerfettoProcesses(o, WindowOptions{}, r, ctx);
  CHECK(ctx.damage.empty());
  std::ifstream f(out);
  json doc = json::parse(f);
  CHECK(doc["otherData"]["processes"] == "3");
  // Each process's events, on their own, follow the format's rules and hold
  // every fault and CoW of that process.
  for (const StreamInfo& s : r.streams()) {
    uint32_t pid = s.process.pid;
    CAPTURE(pid);
    json one = doc;
    one["traceEvents"] = json::array();
    for (const json& e : doc["traceEvents"])
      if (e["pid"] == pid) one["traceEvents"].push_back(e);
    REQUIRE(one["traceEvents"].size() > 10);
    Checked c = checkFormat(one, pid);
    CHECK(c.by_ph["B"] == c.by_ph["E"]);
    const TraceTotals& t = s.facts->totals;
    CHECK(c.fault_instants + c.aggregated_faults == t.by_kind[KMR_EV_FAULT]);
  }
}

TEST_CASE("trace event writer: escaping keeps any name valid JSON") {
  std::ostringstream s;
  {
    TraceEventWriter w(s);
    std::string nasty = std::string("a\"b\\c\n\x01") + "\xff\xfe" + "\xc3\xa9" + "\xed\xa0\x80";
    w.start('i', nasty, 1, 2, 1234567).field("s", "t").arg(nasty, nasty).arg("n", uint64_t{5}).end();
    w.finish({{"k", "v"}});
  }
  json j = json::parse(s.str());
  REQUIRE(j["traceEvents"].size() == 1);
  const json& e = j["traceEvents"][0];
  CHECK(e["ts"].get<double>() == Approx(1234.567));
  std::string name = e["name"];
  CHECK(name.find("a\"b\\c\n\x01") == 0);
  CHECK(name.find("\xc3\xa9") != std::string::npos);     // valid UTF-8 kept
  CHECK(name.find("\xef\xbf\xbd") != std::string::npos);  // invalid replaced
}
