#include "record.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "batch_queue.h"
#include "batch_sink.h"
#include "comm_wait.h"
#include "base/clock.h"
#include "base/version.h"
#include "drain.h"
#include "flight_sink.h"
#include "kmr/writer.h"
#include "launch.h"
#include "merge.h"
#include "own_memory.h"
#include "session_device.h"
#include "session_start.h"
#include "status.h"
#include "stop_signal.h"
#include "target.h"
#include "trigger_signal.h"
#include "writer_thread.h"
#include "record_setup.h"

namespace kmr::recorder {
namespace {

constexpr size_t kBatchBytes = 1u << 20;
constexpr size_t kInitialBatches = 4;
// The batches are the recorder's big memory: 24 MiB at most, so the whole
// process (format writer buffers, shadow state) stays well under 64 MiB
// beyond the rings.
constexpr size_t kMaxBatches = 24;
constexpr uint64_t kDrainRestNs = 3'000'000'000;  // after STOP (> merge stall timeout)

std::string endReason(Drainer::End e, const StopSignal& stop) {
  switch (e) {
    case Drainer::End::TargetExit:
      return "the target exited";
    case Drainer::End::Duration:
      return "--duration elapsed";
    case Drainer::End::WriterFailed:
      return "writing the trace failed";
    case Drainer::End::Stopped:
      break;
  }
  const char* name = sigabbrev_np(stop.signal());
  return std::string("stopped by SIG") + (name ? name : "?");
}

// The drain loop's tick (about every 250 ms): the recorder's peak
// anonymous memory, and the status line on a terminal.
class Progress {
 public:
  Progress(bool show, uint64_t t0, const BatchSink& sink, const Consumer& consumer,
           const WriterThread& wt, FlightSink* flight, const TriggerSignal* usr1)
      : show_(show), t0_(t0), last_t_(t0), sink_(sink), consumer_(consumer), wt_(wt),
        flight_(flight), usr1_(usr1) {}

  void tick() {
    peak_anon_ = std::max(peak_anon_, anonRss());
    if (usr1_ && usr1_->count() != usr1_seen_) {
      usr1_seen_ = usr1_->count();
      flight_->trigger("SIGUSR1", monotonicNs());
    }
    if (!show_) return;
    uint64_t now = monotonicNs();
    StatusSnapshot s;
    s.elapsed_s = (now - t0_) / 1e9;
    s.events = sink_.records();
    s.events_per_s = now > last_t_ ? (s.events - last_events_) * 1e9 / double(now - last_t_) : 0;
    s.lost = std::max(sink_.lostReported(), consumer_.ringLost());
    s.file_bytes = wt_.fileBytes();
    s.written_events = wt_.events();
    last_events_ = s.events;
    last_t_ = now;
    // Appended, not "\r" + ...: GCC 12 warns -Wrestrict on the inlined
    // insert() of a literal before a temporary (a false positive).
    std::string line = "\r";
    line += formatStatus(s);
    line += "\033[K";
    std::fputs(line.c_str(), stderr);
  }
  // Clears the status line.
  void done() {
    if (show_) std::fputs("\r\033[K", stderr);
  }
  uint64_t peakAnon() const { return std::max(peak_anon_, anonRss()); }

 private:
  const bool show_;
  const uint64_t t0_;
  uint64_t last_t_;
  uint64_t last_events_ = 0;
  uint64_t peak_anon_ = anonRss();
  const BatchSink& sink_;
  const Consumer& consumer_;
  const WriterThread& wt_;
  FlightSink* const flight_;
  const TriggerSignal* const usr1_;
  uint64_t usr1_seen_ = 0;
};

// Why the recording ended, as far as the target is concerned: how a
// launched child ended, or that it runs on untraced; what the module said.
std::string targetFate(LaunchedChild* child, Drainer::End end, const Drainer& drainer,
                       const BatchSink& sink) {
  std::string fate;
  if (child) {
    int status;
    bool reaped = child->tryWait(&status);
    // The module writes EXIT when the mm goes away, a moment before the
    // child becomes a zombie: after an EXIT, give it up to 2 s to get
    // there (an EXIT for a denied exec leaves it running: the bound).
    for (int i = 0; !reaped && end == Drainer::End::TargetExit && i < 400; i++) {
      ::usleep(5000);
      reaped = child->tryWait(&status);
    }
    if (reaped)
      fate = describeWaitStatus(status);
    else
      fate = "still running (no longer traced)";
  } else if (end != Drainer::End::TargetExit) {
    fate = "still running (no longer traced)";
  }
  auto add = [&](const std::string& why) { fate += (fate.empty() ? "" : "; ") + why; };
  if (drainer.hupWithoutExit())
    add("the module ended the session without its EXIT record (module bug)");
  if (std::string why = describeExitFlags(sink.exitFlags()); !why.empty()) add(why);
  return fate;
}

// The recorder's own CPU time and memory.
void addResourceUse(Summary& s, uint64_t peak_anon) {
  rusage ru;
  ::getrusage(RUSAGE_SELF, &ru);
  s.cpu_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
            ru.ru_stime.tv_usec / 1e6;
  s.cpu_user_s = ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6;
  s.peak_rss = uint64_t(ru.ru_maxrss) * 1024;
  s.peak_anon = peak_anon;
}

// What was taken from the rings, what reached the file, and what did not.
void addCounts(Summary& s, const BatchSink& sink, const Consumer& consumer, const WriterThread& wt,
               const kmr_stats& ks, bool drained) {
  WriterStats ws = wt.finalStats();
  s.events = sink.records();
  s.written = ws.events;
  s.file_bytes = ws.file_bytes;
  s.chunks = ws.chunks;
  s.keyframes = ws.keyframes;
  s.lost = sink.lostReported();
  s.ring_lost = consumer.ringLost();
  s.gaps = consumer.gaps();
  s.late = consumer.late();
  s.rejected = wt.rejected();
  s.first_rejection = wt.firstRejection();
  s.incomplete_drain = !drained;
  s.ring_bytes = consumer.ringBytes();
  s.module_faults = ks.faults;
  s.module_cow = ks.cow;
}

// The flight recorder's files, a line each, times from the recording's start.
std::vector<std::string> flightLines(const FlightSink& f, const FlightConfig& c, uint64_t t0) {
  std::vector<std::string> out;
  char b[512];
  std::snprintf(b, sizeof(b), "  flight recorder: kept the last %s of compressed trace in memory",
                humanBytes(c.limit_bytes).c_str());
  out.push_back(b);
  std::vector<FlightFile> files = f.files();
  if (files.empty()) out.push_back("  no file written (writing the window failed)");
  for (const FlightFile& x : files) {
    double s0 = x.window_start_ns > t0 ? (x.window_start_ns - t0) / 1e9 : 0;
    double s1 = x.window_end_ns > t0 ? (x.window_end_ns - t0) / 1e9 : 0;
    std::snprintf(b, sizeof(b), "  %s: %s, %" PRIu64 " events, window %.2f-%.2f s%s; written on: %s",
                  x.path.c_str(), humanBytes(x.bytes).c_str(), x.events, s0, s1,
                  x.dropped_bytes ? (" (" + humanBytes(x.dropped_bytes) + " before it dropped)").c_str()
                                  : " (the whole recording)",
                  x.cause.c_str());
    out.push_back(b);
  }
  return out;
}

// A --lossless recording's hold figures, from KMR_IOC_STATS after STOP.
LosslessTotals losslessTotals(const kmr_stats& ks) {
  return {ks.held_ns, ks.held_waits, ks.lost_other};
}

// START did not succeed: nothing was recorded.  Says why.
[[noreturn]] void failedStart(const SessionStart& start, const StopSignal& stop, pid_t pid) {
  if (stop.requested()) throw std::runtime_error("interrupted before the recording started");
  if (start.errorCode() == ESRCH)
    throw std::runtime_error("process " + std::to_string(pid) +
                             " exited before recording could start");
  throw std::runtime_error("starting the session: " + start.error());
}

}  // namespace

int runRecord(const Options& o) { return runRecord(o, openSessionDevice); }

int runRecord(const Options& o, const DeviceOpener& open_device) {
  avoidHugePagesForSelf();
  if (o.tree()) return runRecordTree(o, open_device);
  StopSignal stop;
  const bool flight = o.flight_bytes != 0;
  // The flight recorder writes its first file at the first trigger (or at
  // the end); checked and made here like any output.
  OutputFile output(flight ? FlightSink::fileName(o.output, 1, o.trigger_repeat) : o.output);
  std::optional<TriggerSignal> usr1;
  if (flight) usr1.emplace();
  std::unique_ptr<SessionDevice> devp = open_device(o.device);
  SessionDevice& dev = *devp;
  std::unique_ptr<LaunchedChild> child;
  pid_t pid = chooseTarget(o, stop, &child);
  attachTarget(dev, o, pid, stop);

  const TraceHeader h = makeHeader(o, dev, pid, child != nullptr);
  output.overwriting();
  FlightConfig fc{o.output, o.flight_bytes, o.trigger_rss, o.trigger_repeat};
  std::optional<TraceWriter> writer;
  std::optional<FileSink> file_sink;
  std::optional<FlightSink> flight_sink;
  if (flight) {
    flight_sink.emplace(fc, h);
  } else {
    writer.emplace(o.output, h);
    file_sink.emplace(*writer);
  }
  TraceSink& trace_sink = flight ? static_cast<TraceSink&>(*flight_sink) : *file_sink;

  const bool tty = ::isatty(STDERR_FILENO) && !o.quiet;
  const uint64_t t0 = h.start_mono_ns;
  BatchQueue q(kBatchBytes, kInitialBatches, kMaxBatches);
  BatchSink sink(q);
  Consumer consumer(dev.ctl(), dev.ringData(), monotonicNs);
  WriterThread::Tick live;
  if (o.live)
    live = [&](const ShadowState& st, const WriterStats&) {
      std::string frame = renderLive(st, o.range_start, o.range_end, (monotonicNs() - t0) / 1e9);
      std::fwrite(frame.data(), 1, frame.size(), stdout);
      std::fflush(stdout);
    };
  WriterThread wt(trace_sink, q, live);
  Progress progress(tty && !o.live, t0, sink, consumer, wt, flight ? &*flight_sink : nullptr,
                    usr1 ? &*usr1 : nullptr);

  // START runs beside the drain loop (session_start.h).  In launch mode the
  // child is released only once START returned: its exec is then the first
  // thing traced.  A stop requested before START is not followed by one.
  SessionStart start(
      dev, [&] { return stop.requested(); },
      [&] {
        if (child) child->release();
        // Scripts wait for this line to know the session runs.
        if (!o.quiet && flight)
          std::fprintf(stderr,
                       "kmemrec: recording pid %d (%s), keeping the last %s in memory; "
                       "SIGUSR1 (kill -USR1 %d) writes %s%s\n",
                       int(pid), h.comm.c_str(), humanBytes(o.flight_bytes).c_str(),
                       int(::getpid()), FlightSink::fileName(o.output, 1, o.trigger_repeat).c_str(),
                       tty ? "; Ctrl-C stops and writes it" : "");
        else if (!o.quiet)
          std::fprintf(stderr, "kmemrec: recording pid %d (%s) into %s%s\n", int(pid),
                       h.comm.c_str(), o.output.c_str(), tty ? "; Ctrl-C stops" : "");
      });

  Drainer drainer(consumer, sink, dev, stop.fd(),
                  {[&] {
                     return stop.requested() || start.failed() ||
                            (flight_sink && flight_sink->done());
                   },
                   [&] { return wt.failed(); }, [&] { progress.tick(); }});
  Drainer::End end = drainer.run(o.duration_ns ? t0 + o.duration_ns : 0);
  // STOP also ends a START still waiting for ring space; START's results
  // are read only after this joined its thread.
  start.stop();
  // No event happens after STOP returned, so the state after the last event
  // holds until here: the trace spans to this time (kmemreplay --at accepts
  // instants in a quiet tail, e.g. a sleeping target or --duration).
  const uint64_t stopped_ns = monotonicNs();
  bool complete = drainer.drainRest(kDrainRestNs);
  sink.flush();
  // STOP released every held thread: the hold figures are final (but for
  // a wait ending this instant), and they go into the trace's index.
  if (o.lossless && start.outcome() == SessionStart::Outcome::Started)
    wt.setLossless(losslessTotals(dev.stats()));
  const bool flight_ended = flight_sink && flight_sink->done() && !stop.requested();
  if (flight_sink) flight_sink->setEndCause(endReason(end, stop));
  wt.finish(stopped_ns);
  progress.done();

  // Nothing was recorded: no summary, and no file that looks like a trace
  // (OutputFile removes it).  A snapshot cut short is not a recording.
  if (start.outcome() != SessionStart::Outcome::Started) failedStart(start, stop, pid);
  output.keep();
  kmr_stats ks = dev.stats();
  dev.detach();

  Summary s;
  s.output = o.output;
  s.pid = uint32_t(pid);
  s.comm = h.comm;
  s.elapsed_s = (monotonicNs() - t0) / 1e9;
  s.end_reason = flight_ended ? "the flight recorder was triggered" : endReason(end, stop);
  s.target_fate = targetFate(child.get(), end, drainer, sink);
  addCounts(s, sink, consumer, wt, ks, complete);
  if (o.lossless) s.lossless = losslessTotals(ks);
  if (flight_sink) {
    s.output.clear();  // the files are the flight lines
    s.flight = flightLines(*flight_sink, fc, t0);
  }
  addResourceUse(s, progress.peakAnon());
  bool loss = summaryHasLoss(s);
  if (!o.quiet || loss) {
    std::string text = formatSummary(s);
    std::fputs(text.c_str(), stderr);
  }
  if (!start.thenError().empty())
    throw std::runtime_error(start.thenError() + " (the trace holds only the launch)");
  if (wt.failed())
    throw std::runtime_error("writing " + std::string(flight ? "the flight recorder's window" : o.output) +
                             ": " + wt.error());
  return loss ? kExitLost : kExitOk;
}

}  // namespace kmr::recorder
