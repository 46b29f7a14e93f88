#include "drain.h"

#include <poll.h>
#include <sched.h>
#include <time.h>

#include "base/clock.h"

namespace kmr::recorder {
namespace {

constexpr size_t kStepRecords = 16384;           // per merge step
constexpr uint64_t kHandoverNs = 100'000'000;    // a partial batch waits at most this
constexpr uint64_t kTickNs = 250'000'000;        // status line period
constexpr int kPollMs = 100;
constexpr uint64_t kHupGraceNs = 1'000'000'000;  // HUP without EXIT (see run())

void sleepNs(long ns) {
  timespec ts{0, ns};
  nanosleep(&ts, nullptr);
}

}  // namespace

Drainer::Drainer(Consumer& c, BatchSink& sink, SessionDevice& dev, int stop_fd, Hooks hooks)
    : c_(c), sink_(sink), dev_(dev), stop_fd_(stop_fd), hooks_(std::move(hooks)) {}

void Drainer::handOver(uint64_t now, bool force) {
  if (sink_.pending() && (force || now - last_handover_ >= kHandoverNs)) {
    sink_.flush();
    last_handover_ = now;
  }
  if (now - last_tick_ >= kTickNs) {
    last_tick_ = now;
    if (hooks_.tick) hooks_.tick();
  }
}

Drainer::End Drainer::run(uint64_t deadline_ns) {
  last_handover_ = last_tick_ = monotonicNs();
  unsigned spins = 0;
  for (;;) {
    Consumer::Step s = c_.step(sink_, kStepRecords);
    uint64_t now = monotonicNs();
    handOver(now, false);
    if (hooks_.stop_requested && hooks_.stop_requested()) return End::Stopped;
    if (hooks_.writer_failed && hooks_.writer_failed()) return End::WriterFailed;
    if (deadline_ns && now >= deadline_ns) return End::Duration;
    if (sink_.exits() && c_.caughtUp()) return End::TargetExit;
    if (s.records == kStepRecords) {
      spins = 0;
      continue;  // more is waiting
    }
    if (s.refused) {
      // No free batch: the writer is behind and the budget is used up.
      // The records stay in the rings; give the writer time.
      refused_steps_++;
      sink_.flush();
      sleepNs(1'000'000);
      continue;
    }
    if (s.waiting) {
      // A seq is being written on another CPU: it lands within
      // microseconds.  Spin briefly, then nap.
      if (spins++ == 0) waits_++;
      if (spins < 64)
        sched_yield();
      else
        sleepNs(50'000);
      continue;
    }
    spins = 0;
    if (s.records) continue;
    // Empty: sleep until the module wakes us (watermark), a signal, or the
    // poll timeout bounds the latency of the status line and hand-over.
    int timeout = kPollMs;
    if (deadline_ns) {
      uint64_t left_ms = (deadline_ns - now) / 1'000'000 + 1;
      if (left_ms < uint64_t(timeout)) timeout = int(left_ms);
    }
    handOver(now, true);
    short stop_ev = 0;
    short ev = dev_.poll(timeout, stop_fd_, &stop_ev);
    if ((ev & POLLHUP) && c_.caughtUp() && !sink_.exits()) {
      // abi.h: POLLHUP comes once the rings are drained, after EXIT.  HUP
      // without EXIT can only be a record still being committed (or lost):
      // give it a second, then stop anyway.  poll() does not block while
      // HUP holds, so nap meanwhile.
      if (!hup_since_) hup_since_ = now;
      if (now - hup_since_ >= kHupGraceNs) {
        hup_without_exit_ = true;
        return End::TargetExit;
      }
      sleepNs(10'000'000);
    }
  }
}

bool Drainer::drainRest(uint64_t timeout_ns) {
  uint64_t deadline = monotonicNs() + timeout_ns;
  while (!c_.caughtUp()) {
    Consumer::Step s = c_.step(sink_, kStepRecords);
    uint64_t now = monotonicNs();
    handOver(now, false);
    if (s.records) continue;
    if (now >= deadline) {
      // Whatever is still missing never comes: place the gap and go on.
      return false;
    }
    if (s.refused) sink_.flush();
    sleepNs(s.waiting ? 50'000 : 1'000'000);
  }
  sink_.flush();
  return true;
}

}  // namespace kmr::recorder
