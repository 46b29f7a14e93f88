// --hist: per-VMA fault and CoW counts, by kind and over time.
#include <algorithm>

#include "vma_stats.h"
#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/state_render.h"
#include "base/table.h"
#include "views.h"

namespace kmr::replayer {
namespace {

nlohmann::json countsJson(const FaultCounts& c) {
  return {{"faults", c.faults}, {"minor", c.minor}, {"major", c.major},
          {"cow", c.cow},       {"cow_reuse", c.cow_reuse}, {"write", c.write},
          {"read", c.read},     {"exec", c.exec},   {"mem_writes", c.mem_writes}};
}

}  // namespace

void setupWindow(CLI::App& app, WindowOptions& o) {
  app.add_option("--from", o.from, "With --events/--hist: start of the window (default start)");
  app.add_option("--to", o.to, "With --events/--hist: end of the window (default end)");
}

void setupHist(CLI::App& app, HistOptions& o) {
  app.add_flag("--hist", o.enabled, "Per-VMA fault histograms: by kind and over time");
  app.add_option("--buckets", o.buckets, "With --hist: time buckets (default 40)")
      ->check(CLI::Range(1u, 1000u));
}

void runHist(const HistOptions& o, const WindowOptions& w, ViewContext& ctx) {
  Instant from = ctx.instant(w.from), to = ctx.instant(w.to);
  if (to.position < from.position) std::swap(from, to);
  ShadowState s = ctx.replay.stateAt(from.position, &ctx.damage);
  VmaStatsCollector stats(from.mono_ns, to.mono_ns, o.buckets);
  ctx.replay.run(s, to.position, &stats, false, &ctx.damage);
  auto rows = stats.rows();

  if (ctx.json) {
    nlohmann::json jr = nlohmann::json::array();
    for (const VmaHistogram& r : rows) {
      nlohmann::json j = countsJson(r.counts);
      j["start"] = r.start;
      j["end"] = r.end;
      j["name"] = r.name;
      j["perm"] = permString(r.vm_flags);
      j["vm_flags"] = r.vm_flags;
      j["buckets"] = r.buckets;
      jr.push_back(j);
    }
    ctx.out << nlohmann::json{{"trace", ctx.reader.path()},
                              {"from", {{"spec", from.text}, {"mono_ns", from.mono_ns}, {"events_applied", from.position}}},
                              {"to", {{"spec", to.text}, {"mono_ns", to.mono_ns}, {"events_applied", to.position}}},
                              {"bucket_ns", stats.bucketNs()},
                              {"vmas", jr},
                              {"total", countsJson(stats.total())}}
                   .dump(2)
            << '\n';
    return;
  }
  const Style& st = ctx.style;
  ctx.out << st.bold("faults per VMA from " + ctx.rel(from.mono_ns) + " to " + ctx.rel(to.mono_ns)) << " ("
          << o.buckets << " buckets of " << formatSeconds(static_cast<int64_t>(stats.bucketNs()))
          << ")\n\n";
  Table t;
  using A = Table::Align;
  t.columns({"VMA", "FAULTS", "MINOR", "MAJOR", "COW", "REUSE", "WRITE", "READ", "EXEC", "OVER TIME"},
            {A::Left, A::Right, A::Right, A::Right, A::Right, A::Right, A::Right, A::Right, A::Right,
             A::Left});
  auto cells = [](const FaultCounts& c) {
    return std::vector<std::string>{std::to_string(c.faults), std::to_string(c.minor),
                                    std::to_string(c.major),  std::to_string(c.cow),
                                    std::to_string(c.cow_reuse), std::to_string(c.write),
                                    std::to_string(c.read),   std::to_string(c.exec)};
  };
  for (const VmaHistogram& r : rows) {
    std::string name = r.name == "(no VMA)" ? r.name
                                            : hex(r.start) + "-" + hex(r.end) + " " +
                                                  permString(r.vm_flags) + " " + r.name;
    std::vector<std::string> row{name};
    for (std::string& c : cells(r.counts)) row.push_back(std::move(c));
    uint64_t max = *std::max_element(r.buckets.begin(), r.buckets.end());
    row.push_back("|" + st.green(st.spark(r.buckets.data(), r.buckets.size(), max)) + "|");
    t.row(std::move(row));
  }
  std::vector<std::string> total{st.bold("total")};
  for (std::string& c : cells(stats.total())) total.push_back(std::move(c));
  total.push_back("");
  t.row(std::move(total));
  t.print(ctx.out);
  ctx.out << '\n'
          << st.dim("COW: pages copied on write; REUSE: write faults that kept the page; "
                    "OVER TIME: faults + CoWs per bucket, scaled to the row's busiest")
          << '\n';
}

}  // namespace kmr::replayer
