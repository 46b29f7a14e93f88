// kmemrec-bench-format: every figure of the trace format's performance
// goals, measured on one thread:
//
//   bytes/event of the seq and random patterns (10 M events each)
//   writer throughput: encode + compress + write (append() and finish())
//   full replay throughput: read, decompress, decode, apply every event
//   --at T latency on a 100 M-event trace: open + resolve + state + render
//   index + keyframes as a share of the file
//
// Events are generated on a second thread and handed over in batches, as
// the recorder's drain thread does; the writer figure is the writer
// thread's CPU time.  Each figure is the best of --runs runs (default 3): on a
// shared machine the slower runs measure the neighbours.  Takes a few
// minutes; needs ~1 GB of disk.
#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "kmr/reader.h"
#include "kmr/replay.h"
#include "kmr/time_spec.h"
#include "kmr/writer.h"
#include "base/state_render.h"
#include "synth/synth.h"

namespace {

// Throughput is measured in this thread's CPU time: the machine is shared,
// and time spent waiting for a core is not the code's.  Latency is wall
// time (what a user waits), with the CPU time beside it.
struct Clock {
  struct time_point {
    double cpu, wall;
  };
  static time_point now() {
    timespec c, w;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &c);
    clock_gettime(CLOCK_MONOTONIC, &w);
    return {static_cast<double>(c.tv_sec) + static_cast<double>(c.tv_nsec) * 1e-9,
            static_cast<double>(w.tv_sec) + static_cast<double>(w.tv_nsec) * 1e-9};
  }
};

double secondsSince(Clock::time_point t) { return Clock::now().cpu - t.cpu; }
double wallSince(Clock::time_point t) { return Clock::now().wall - t.wall; }

struct WriteResult {
  uint64_t events = 0;
  uint64_t file_bytes = 0;
  uint64_t keyframe_bytes = 0;
  uint64_t index_bytes = 0;
  double write_seconds = 0;  // append + finish only
};

// A batch of events that owns its payloads, so the generator can run ahead.
struct OwnedBatch {
  std::vector<kmr::Event> events;
  std::vector<uint64_t> entries;
  std::vector<uint8_t> bytes;

  void fill(const std::vector<kmr::Event>& in) {
    size_t ne = 0, nb = 0;
    for (const kmr::Event& e : in) {
      ne += e.entries.size();
      nb += e.text.size() + e.data.size();
    }
    events = in;
    entries.resize(ne);
    bytes.resize(nb);
    size_t ie = 0, ib = 0;
    for (kmr::Event& e : events) {
      std::copy(e.entries.begin(), e.entries.end(), entries.begin() + static_cast<long>(ie));
      e.entries = {entries.data() + ie, e.entries.size()};
      ie += e.entries.size();
      std::copy(e.text.begin(), e.text.end(), bytes.begin() + static_cast<long>(ib));
      e.text = {reinterpret_cast<const char*>(bytes.data() + ib), e.text.size()};
      ib += e.text.size();
      std::copy(e.data.begin(), e.data.end(), bytes.begin() + static_cast<long>(ib));
      e.data = {bytes.data() + ib, e.data.size()};
      ib += e.data.size();
    }
  }
};

// Generator -> writer hand-over, as in the recorder (drain thread, writer
// thread): the writer's thread CPU time is the writer's cost alone.
class Pipe {
 public:
  void push(std::unique_ptr<OwnedBatch> b) {
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return q_.size() < 4; });
    q_.push_back(std::move(b));
    cv_.notify_all();
  }
  std::unique_ptr<OwnedBatch> pop() {  // null at the end
    std::unique_lock<std::mutex> l(m_);
    cv_.wait(l, [&] { return !q_.empty(); });
    auto b = std::move(q_.front());
    q_.pop_front();
    cv_.notify_all();
    return b;
  }

 private:
  std::mutex m_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<OwnedBatch>> q_;
};

WriteResult timedWrite(const kmr::synth::SynthOptions& so, const std::string& path) {
  kmr::synth::Synth synth(so);
  Pipe pipe;
  std::thread producer([&] {
    std::vector<kmr::Event> batch;
    while (synth.next(batch, 16384)) {
      auto b = std::make_unique<OwnedBatch>();
      b->fill(batch);
      pipe.push(std::move(b));
    }
    pipe.push(nullptr);
  });
  WriteResult r;
  auto t = Clock::now();
  {
    kmr::TraceWriter w(path, synth.header());
    while (auto b = pipe.pop())
      for (const kmr::Event& e : b->events) w.append(e);
    w.finish();
    r.events = w.stats().events;
    r.file_bytes = w.stats().file_bytes;
    r.keyframe_bytes = w.stats().keyframe_bytes;
    r.index_bytes = w.stats().index_bytes;
  }
  r.write_seconds = secondsSince(t);  // this thread's CPU: the writer's
  producer.join();
  return r;
}

// Full replay: every event read, decoded and applied.
double replaySeconds(const std::string& path, uint64_t* events) {
  auto t = Clock::now();
  kmr::TraceReader r(path);
  kmr::ShadowState s(r.header().range_start, r.header().range_end);
  kmr::EventStream es(r);
  kmr::Event ev;
  uint64_t n = 0;
  while (es.next(ev)) {
    s.apply(ev);
    n++;
  }
  *events = n;
  return secondsSince(t);
}

struct AtResult {
  std::vector<double> ms;      // wall
  std::vector<double> cpu_ms;  // thread CPU
  size_t rows = 0;
};

// What `kmemreplay trace --at T` does, in process: open, resolve, seek,
// render the table.
AtResult atLatency(const std::string& path, int samples) {
  AtResult res;
  for (int i = 0; i < samples; i++) {
    std::string spec = std::to_string(5 + (i * 90) / std::max(1, samples - 1)) + "." +
                       std::to_string(i % 10) + "%";
    auto t = Clock::now();
    kmr::TraceReader r(path);
    kmr::Replay rp(r);
    kmr::Instant in = kmr::resolveTime(kmr::parseTimeSpec(spec), rp);
    kmr::ShadowState s = rp.stateAt(in.position);
    std::ostringstream out;
    kmr::printState(out, s, {}, kmr::Style{});
    res.ms.push_back(wallSince(t) * 1000);
    res.cpu_ms.push_back(secondsSince(t) * 1000);
    std::string text = out.str();
    res.rows = std::max<size_t>(res.rows,
                                static_cast<size_t>(std::count(text.begin(), text.end(), '\n')));
  }
  return res;
}

double percentile(std::vector<double> v, double p) {
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(p * static_cast<double>(v.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmemrec-bench-format: trace format figures"};
  std::string dir = "/tmp/kmemrec-bench";
  uint64_t events = 10'000'000, big = 100'000'000;
  int samples = 20;
  int runs = 3;
  bool keep = false;
  app.add_option("--dir", dir, "Where to write the traces");
  app.add_option("--events", events, "Events per pattern for size and throughput");
  app.add_option("--big", big, "Events in the trace for --at latency (0: skip)");
  app.add_option("--samples", samples, "--at instants to time");
  app.add_option("--runs", runs, "Runs per figure; the best is printed (the machine is shared)");
  app.add_flag("--keep", keep, "Keep the traces");
  CLI11_PARSE(app, argc, argv);

  std::filesystem::create_directories(dir);

  std::printf("kmemrec-bench-format: %" PRIu64 " events per pattern, --at on %" PRIu64
              " events, one thread (rates in thread CPU time)\n\n",
              events, big);
  std::printf("%-8s %10s %12s %10s %14s %14s %12s\n", "pattern", "events", "file bytes",
              "B/event", "write Mev/s", "replay Mev/s", "idx+kf %");
  for (auto p : {kmr::synth::Pattern::Seq, kmr::synth::Pattern::Random, kmr::synth::Pattern::Fork,
                 kmr::synth::Pattern::Churn}) {
    kmr::synth::SynthOptions so;
    so.events = events;
    so.pattern = p;
    std::string path = dir + "/" + std::string(kmr::synth::patternName(p)) + ".kmr";
    // The machine is shared: the best of a few runs is the code's speed.
    WriteResult w = timedWrite(so, path);
    for (int i = 1; i < runs; i++)
      w.write_seconds = std::min(w.write_seconds, timedWrite(so, path).write_seconds);
    uint64_t n = 0;
    double rs = replaySeconds(path, &n);
    for (int i = 1; i < runs; i++) rs = std::min(rs, replaySeconds(path, &n));
    std::printf("%-8s %10" PRIu64 " %12" PRIu64 " %10.2f %14.1f %14.1f %12.2f\n",
                std::string(kmr::synth::patternName(p)).c_str(), w.events, w.file_bytes,
                static_cast<double>(w.file_bytes) / static_cast<double>(w.events),
                static_cast<double>(w.events) / w.write_seconds / 1e6,
                static_cast<double>(n) / rs / 1e6,
                100.0 * static_cast<double>(w.keyframe_bytes + w.index_bytes) /
                    static_cast<double>(w.file_bytes));
    std::fflush(stdout);
    if (!keep) std::filesystem::remove(path);
  }
  std::printf("\ngoals: seq <= 3 B/event, random <= 7 B/event, write >= 15 Mev/s, replay >= 30 Mev/s\n");

  if (big) {
    kmr::synth::SynthOptions so;
    so.events = big;
    so.pattern = kmr::synth::Pattern::Random;
    std::string path = dir + "/big-random.kmr";
    std::printf("\n--at latency on %" PRIu64 " events (random pattern):\n", big);
    std::fflush(stdout);
    WriteResult w = timedWrite(so, path);
    AtResult a = atLatency(path, samples);
    std::printf("  file %" PRIu64 " bytes (%.2f B/event), index+keyframes %.2f%% of it\n",
                w.file_bytes, static_cast<double>(w.file_bytes) / static_cast<double>(w.events),
                100.0 * static_cast<double>(w.keyframe_bytes + w.index_bytes) /
                    static_cast<double>(w.file_bytes));
    std::printf("  --at over %d instants: p50 %.1f ms, max %.1f ms wall; p50 %.1f ms, max %.1f ms CPU"
                " (table up to %zu lines)\n",
                samples, percentile(a.ms, 0.5), percentile(a.ms, 1.0), percentile(a.cpu_ms, 0.5),
                percentile(a.cpu_ms, 1.0), a.rows);
    std::printf("goals: --at <= 100 ms, index+keyframes <= 5 %%\n");
    if (!keep) std::filesystem::remove(path);
  }
  return 0;
}
