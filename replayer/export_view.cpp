// --svg and --perfetto: the command line, one replay over the window feeding
// both writers, and the files written atomically (a temporary then rename).
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>

#include "compare_views.h"
#include "kmr/error.h"
#include "base/abi_names.h"
#include "base/numbers.h"
#include "perfetto_export.h"
#include "svg_heatmap.h"

namespace kmr::replayer {
namespace {

// Several listeners on one tracker.
class Fanout : public LifeListener {
 public:
  std::vector<LifeListener*> to;
  void lifeBegan(const VmaLife& l) override { for (auto* x : to) x->lifeBegan(l); }
  void lifeChanged(const VmaLife& l, const VmaOp& op) override { for (auto* x : to) x->lifeChanged(l, op); }
  void lifeEnded(const VmaLife& l) override { for (auto* x : to) x->lifeEnded(l); }
  void residentChanged(const VmaLife& l) override { for (auto* x : to) x->residentChanged(l); }
  void access(const VmaLife* l, const Event& ev) override { for (auto* x : to) x->access(l, ev); }
  void pagesChanged(const Event& ev, int64_t d, const ShadowState& s) override {
    for (auto* x : to) x->pagesChanged(ev, d, s);
  }
  void processEvent(const Event& ev) override { for (auto* x : to) x->processEvent(ev); }
};

// A file written under a temporary name and renamed when complete.
class OutFile {
 public:
  explicit OutFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".part") {
    f_.rdbuf()->pubsetbuf(buf_, sizeof buf_);
    f_.open(tmp_, std::ios::binary | std::ios::trunc);
    if (!f_) throw Error(Error::Code::Io, "cannot write " + tmp_ + ": " + std::strerror(errno));
  }
  ~OutFile() {
    if (!done_) std::remove(tmp_.c_str());
  }
  std::ostream& stream() { return f_; }
  uint64_t commit() {
    f_.flush();
    if (!f_) throw Error(Error::Code::Io, "writing " + tmp_ + " failed: " + std::strerror(errno));
    uint64_t size = static_cast<uint64_t>(f_.tellp());
    f_.close();
    if (std::rename(tmp_.c_str(), path_.c_str()) != 0)
      throw Error(Error::Code::Io, "cannot rename " + tmp_ + " to " + path_ + ": " + std::strerror(errno));
    done_ = true;
    return size;
  }

 private:
  std::string path_, tmp_;
  char buf_[1 << 16];
  std::ofstream f_;
  bool done_ = false;
};

}  // namespace

void setupExports(CLI::App& app, ExportOptions& o) {
  app.add_option("--svg", o.svg, "Write a time x address heatmap with resident memory lines (SVG)");
  app.add_option("--metric", o.metric, "With --svg: faults, first-touch, cow or resident (default faults)")
      ->check(CLI::IsMember({"faults", "first-touch", "cow", "resident"}));
  app.add_option("--perfetto", o.perfetto,
                 "Write Chrome trace-event JSON for the Perfetto UI / chrome://tracing");
  app.add_option("--perfetto-max-mb", o.perfetto_max_mb,
                 "With --perfetto: size bound in MiB (default 200; the viewers fail past 256)")
      ->check(CLI::Range(uint64_t{1}, uint64_t{4096}));
}

namespace {

// One process's part of a --perfetto file: its replay over the window into
// @writer as process @pid's track group.  Returns the exporter's notes.
nlohmann::json perfettoProcess(const WindowOptions& w, uint64_t max_bytes, ViewContext& ctx,
                               TraceEventWriter& writer) {
  Instant from = ctx.instant(w.from), to = ctx.instant(w.to);
  if (to.position < from.position) std::swap(from, to);
  uint64_t t0 = from.mono_ns, t1 = std::max(to.mono_ns, from.mono_ns + 1);
  const TraceReader& r = ctx.reader;
  const TraceHeader& h = r.header();
  ShadowState state = ctx.replay.stateAt(from.position, &ctx.damage);
  Fanout fan;
  LifeTracker tracker(r.startNs(), &fan, LifeTracker::Options{false});
  TraceTotals totals = ctx.replay.totals();
  double frac = r.eventCount() ? static_cast<double>(to.position - from.position) /
                                     static_cast<double>(r.eventCount())
                               : 0.0;
  auto part = [&](uint64_t n) { return static_cast<uint64_t>(static_cast<double>(n) * frac) + 1; };
  PerfettoOptions po;
  po.max_bytes = max_bytes;
  po.expect_faults = part(totals.by_kind[KMR_EV_FAULT]);
  po.expect_cows = part(totals.by_kind[KMR_EV_COW] + totals.by_kind[KMR_EV_MEM_WRITE]);
  po.expect_lives = part(totals.vma_ops[static_cast<size_t>(VmaOpKind::Map)]) + state.vmas().size();
  po.t0 = t0;
  po.t1 = t1;
  po.origin_ns = r.startNs();
  po.pid = h.pid;
  po.process_name = h.comm + " (pid " + std::to_string(h.pid) + ")";
  PerfettoExporter perfetto(writer, tracker, po);
  fan.to.push_back(&perfetto);
  tracker.begin(state, t0);
  ctx.replay.run(state, to.position, &tracker, true, &ctx.damage);
  if (to.position < r.eventCount()) tracker.finish(state);
  return perfetto.finish();
}

}  // namespace

void runPerfettoProcesses(const ExportOptions& o, const WindowOptions& w, const TraceReader& file,
                          ViewContext& ctx) {
  if (!o.svg.empty())
    throw UsageError("--svg shows one process: add --pid PID (" + pidList(file) + ")");
  OutFile json_file(o.perfetto);
  TraceEventWriter writer(json_file.stream());
  // The size bound is shared: each process gets an equal part of it.
  uint64_t n = file.streams().size();
  uint64_t share = std::max<uint64_t>((o.perfetto_max_mb << 20) / n, 1 << 20);
  // otherData holds strings only: each process's notes under "PID key".
  nlohmann::json other{{"trace", file.path()}, {"processes", std::to_string(n)}};
  for (const StreamInfo& s : file.streams()) {
    auto r = file.openStream(s.process.stream);
    Replay replay(*r);
    ViewContext pc{*r, replay, ctx.out, ctx.style, ctx.json, {}};
    nlohmann::json notes = perfettoProcess(w, share, pc, writer);
    for (auto& [k, v] : notes.items()) other[std::to_string(s.process.pid) + " " + k] = v;
    ctx.damage.insert(ctx.damage.end(), pc.damage.begin(), pc.damage.end());
    ctx.damage.insert(ctx.damage.end(), replay.damageSeen().begin(), replay.damageSeen().end());
  }
  writer.finish(other);
  uint64_t events = writer.events();
  uint64_t size = json_file.commit();
  if (ctx.json)
    ctx.out << nlohmann::json{{"perfetto",
                               {{"file", o.perfetto},
                                {"bytes", size},
                                {"events", events},
                                {"processes", n},
                                {"other_data", other}}}}
                   .dump(2)
            << '\n';
  else
    ctx.out << "perfetto  " << o.perfetto << " (" << bytesText(size) << ", " << events
            << " trace events): " << n << " processes, one track group each\n";
}

void runExports(const ExportOptions& o, const WindowOptions& w, ViewContext& ctx) {
  Instant from = ctx.instant(w.from), to = ctx.instant(w.to);
  if (to.position < from.position) std::swap(from, to);
  uint64_t t0 = from.mono_ns, t1 = std::max(to.mono_ns, from.mono_ns + 1);
  const TraceReader& r = ctx.reader;
  const TraceHeader& h = r.header();
  ShadowState state = ctx.replay.stateAt(from.position, &ctx.damage);

  Fanout fan;
  LifeTracker tracker(r.startNs(), &fan, LifeTracker::Options{false});
  std::optional<SvgCollector> svg;
  if (!o.svg.empty()) {
    svg.emplace(*heatMetricFromName(o.metric), t0, t1, tracker);
    fan.to.push_back(&*svg);
  }
  std::optional<OutFile> json_file;
  std::optional<TraceEventWriter> writer;
  std::optional<PerfettoExporter> perfetto;
  if (!o.perfetto.empty()) {
    TraceTotals totals = ctx.replay.totals();
    double frac = r.eventCount() ? static_cast<double>(to.position - from.position) /
                                       static_cast<double>(r.eventCount())
                                 : 0.0;
    auto part = [&](uint64_t n) { return static_cast<uint64_t>(static_cast<double>(n) * frac) + 1; };
    PerfettoOptions po;
    po.max_bytes = o.perfetto_max_mb << 20;
    po.expect_faults = part(totals.by_kind[KMR_EV_FAULT]);
    po.expect_cows = part(totals.by_kind[KMR_EV_COW] + totals.by_kind[KMR_EV_MEM_WRITE]);
    po.expect_lives = part(totals.vma_ops[static_cast<size_t>(VmaOpKind::Map)]) + state.vmas().size();
    po.t0 = t0;
    po.t1 = t1;
    po.origin_ns = r.startNs();
    po.pid = h.pid;
    po.process_name = h.comm + " (pid " + std::to_string(h.pid) + ")";
    json_file.emplace(o.perfetto);
    writer.emplace(json_file->stream());
    perfetto.emplace(*writer, tracker, po);
    fan.to.push_back(&*perfetto);
  }

  tracker.begin(state, t0);
  ctx.replay.run(state, to.position, &tracker, true, &ctx.damage);
  if (to.position < r.eventCount()) tracker.finish(state);

  std::string window = ctx.rel(t0) + " to " + ctx.rel(t1);
  nlohmann::json summary = nlohmann::json::object();
  if (svg) {
    svg->finish();
    SvgInfo info;
    info.title = h.comm + " pid " + std::to_string(h.pid);
    info.subtitle = r.path() + ", " + window + ", " + std::to_string(to.position - from.position) +
                    " events";
    info.t0 = t0;
    info.t1 = t1;
    info.trace_start = r.startNs();
    OutFile f(o.svg);
    size_t bands = renderSvg(*svg, info, f.stream());
    uint64_t size = f.commit();
    if (ctx.json)
      summary["svg"] = {{"file", o.svg}, {"bytes", size}, {"metric", o.metric}, {"bands", bands},
                        {"columns", svg->grid().columns()}};
    else
      ctx.out << "svg       " << o.svg << " (" << bytesText(size) << "): " << o.metric << ", "
              << bands << " VMA regions x " << svg->grid().columns() << " time columns, " << window
              << '\n';
  }
  if (perfetto) {
    nlohmann::json other = perfetto->finish();
    other["trace"] = r.path();
    other["window"] = window;
    writer->finish(other);
    uint64_t events = writer->events();
    uint64_t size = json_file->commit();
    if (ctx.json)
      summary["perfetto"] = {{"file", o.perfetto}, {"bytes", size}, {"events", events}, {"other_data", other}};
    else
      ctx.out << "perfetto  " << o.perfetto << " (" << bytesText(size) << ", " << events
              << " trace events): " << other["faults"].get<std::string>() << "; "
              << other["vma_lives"].get<std::string>() << '\n';
  }
  if (ctx.json) ctx.out << summary.dump(2) << '\n';
}

}  // namespace kmr::replayer
