#include "flight_sink.h"

#include <signal.h>
#include <sys/wait.h>

#include <cinttypes>
#include <cstdio>

#include "base/abi_names.h"
#include "base/clock.h"
#include "kmemrec/abi.h"
#include "launch.h"
#include "status.h"

namespace kmr::recorder {
namespace {

constexpr uint64_t kRssCheckNs = 100'000'000;

// The crashes that trigger the flight recorder, from an EXIT or a SIGNAL.
bool isCrashSignal(int sig) {
  switch (sig) {
    case SIGSEGV:
    case SIGBUS:
    case SIGABRT:
    case SIGILL:
    case SIGFPE:
      return true;
    default:
      return false;
  }
}

}  // namespace

std::string fatalExitCause(int32_t wait_status, uint32_t exit_flags) {
  if (exit_flags & KMR_EXIT_F_OOM_KILLED) return "target OOM-killed";
  if (wait_status < 0 || !WIFSIGNALED(wait_status)) return "";
  // "killed by SIGSEGV (core dumped)", as the summary says of a child
  if (isCrashSignal(WTERMSIG(wait_status))) return "target " + describeWaitStatus(wait_status);
  return "";
}

std::string fatalSignalCause(const SignalData& s, uint32_t signal_flags) {
  if (!isCrashSignal(static_cast<int>(s.signo))) return "";
  // "killed by SIGSEGV", the summary's words for the same death
  std::string c = "target killed by " + signalText(s.signo);
  if (s.addr) {
    char b[32];
    std::snprintf(b, sizeof(b), " at 0x%" PRIx64, s.addr);
    c += b;
  }
  return c + ((signal_flags & KMR_SIGNAL_F_COREDUMP) ? ", before its core dump" : ", before its exit");
}

std::string FlightSink::fileName(const std::string& output, uint32_t k, uint32_t repeat) {
  if (!repeat) return output;
  const std::string ext = ".kmr";
  // Appended: "." + a temporary makes GCC 12 warn -Wrestrict (a false
  // positive in the inlined insert()).
  std::string n = ".";
  n += std::to_string(k);
  if (output.size() > ext.size() && output.ends_with(ext))
    return output.substr(0, output.size() - ext.size()) + n + ext;
  return output + n;
}

FlightSink::FlightSink(const FlightConfig& c, const TraceHeader& h)
    : c_(c), page_size_(h.page_size ? h.page_size : 4096), w_(h, FlightOptions{c.limit_bytes, {}}) {}

void FlightSink::trigger(const std::string& cause, uint64_t mono_ns) {
  std::lock_guard lk(mu_);
  if (pending_) return;
  pending_ = true;
  pending_cause_ = cause;
  pending_ns_ = mono_ns;
}

void FlightSink::setEndCause(const std::string& cause) {
  std::lock_guard lk(mu_);
  end_cause_ = cause;
}

std::vector<FlightFile> FlightSink::files() const {
  std::lock_guard lk(mu_);
  return files_;
}

void FlightSink::append(const Event& ev) {
  w_.append(ev);
  if (ev.kind == EventKind::Signal) [[unlikely]] {
    // In the kernel before the core dump: the window is written while the
    // target is still dumping, without waiting for its exit.
    std::string cause = fatalSignalCause(ev.signal, ev.flags);
    if (!cause.empty() && !signal_triggered_) {
      signal_triggered_ = ev.signal.signo;
      trigger(cause, ev.time_ns);
    }
  } else if (ev.kind == EventKind::Exit) [[unlikely]] {
    std::string cause = fatalExitCause(ev.exit.code, ev.flags);
    // not again for the death whose SIGNAL triggered already
    bool seen = signal_triggered_ && !(ev.flags & KMR_EXIT_F_OOM_KILLED) &&
                ev.exit.code >= 0 && WIFSIGNALED(ev.exit.code) &&
                uint32_t(WTERMSIG(ev.exit.code)) == signal_triggered_;
    if (!cause.empty() && !seen) trigger(cause, ev.time_ns);
    signal_triggered_ = 0;
  } else if (ev.kind == EventKind::Exec) [[unlikely]] {
    signal_triggered_ = 0;
  }
}

void FlightSink::appendAll(std::span<const Event> evs, size_t* next) {
  // The kinds append() looks at for its triggers.
  auto triggers = [](const Event& ev) {
    return ev.kind == EventKind::Signal || ev.kind == EventKind::Exit ||
           ev.kind == EventKind::Exec;
  };
  while (*next < evs.size()) {
    if (triggers(evs[*next])) [[unlikely]] {
      append(evs[*next]);
      ++*next;
      continue;
    }
    size_t end = *next + 1;
    while (end < evs.size() && !triggers(evs[end])) end++;
    w_.appendAll(evs.first(end), next);
  }
}

void FlightSink::checkRss() {
  uint64_t now = monotonicNs();
  if (now - last_rss_check_ns_ < kRssCheckNs) return;
  last_rss_check_ns_ = now;
  uint64_t rss = w_.state().pages().presentPages() * page_size_;
  if (rss < c_.trigger_rss) {
    rss_armed_ = true;
  } else if (rss_armed_) {
    rss_armed_ = false;
    trigger("target resident " + humanBytes(rss) + " >= --trigger-rss " +
                humanBytes(c_.trigger_rss),
            now);
  }
}

void FlightSink::poll() {
  if (done()) return;
  if (c_.trigger_rss) checkRss();
  std::string cause;
  uint64_t when;
  {
    std::lock_guard lk(mu_);
    if (!pending_) return;
    pending_ = false;
    cause = pending_cause_;
    when = pending_ns_;
  }
  // The window ends with what has been appended: the events up to the
  // trigger and those drained since (less than a batch, usually).
  write(cause, when, 0, std::nullopt);
}

void FlightSink::write(const std::string& cause, uint64_t trigger_ns, uint64_t end_ns,
                       const std::optional<LosslessTotals>& lossless) {
  uint32_t k;
  {
    std::lock_guard lk(mu_);
    k = uint32_t(files_.size()) + 1;
  }
  FlightFile f;
  f.path = fileName(c_.output, k, c_.repeat);
  f.cause = cause;
  f.trigger_ns = trigger_ns;
  FlightInfo info;
  info.cause = cause;
  info.trigger_ns = trigger_ns;
  info.sequence = c_.repeat ? k : 0;
  FlightDump d = w_.dump(f.path, info, end_ns, lossless);
  f.window_start_ns = d.window_start_ns;
  f.window_end_ns = std::max(d.window_end_ns, end_ns);
  f.events = d.stats.events;
  f.bytes = d.stats.file_bytes;
  f.dropped_bytes = w_.droppedBytes();
  std::lock_guard lk(mu_);
  files_.push_back(std::move(f));
  if (files_.size() >= std::max<uint32_t>(c_.repeat, 1)) done_.store(true, std::memory_order_release);
}

void FlightSink::finish(uint64_t end_mono_ns, const std::optional<LosslessTotals>& lossless) {
  w_.flush();
  std::string cause;
  uint64_t when = end_mono_ns;
  {
    std::lock_guard lk(mu_);
    // A trigger not yet acted on still names the file.
    cause = pending_ ? pending_cause_ : end_cause_;
    if (pending_) when = pending_ns_;
    pending_ = false;
  }
  if (done()) return;
  write(cause.empty() ? "recording ended" : cause, when, end_mono_ns, lossless);
}

}  // namespace kmr::recorder
