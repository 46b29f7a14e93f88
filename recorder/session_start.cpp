#include "session_start.h"

#include <time.h>

#include <cerrno>

namespace kmr::recorder {

SessionStart::SessionStart(SessionDevice& dev, std::function<bool()> cancelled,
                           std::function<void()> then)
    : dev_(dev), cancelled_(std::move(cancelled)), then_(std::move(then)) {
  thread_ = std::thread([this] { run(); });
}

SessionStart::~SessionStart() {
  if (joined_) return;
  try {
    stopAndJoin();
  } catch (...) {
    // Unwinding already (or the caller never called stop()): the first
    // error is the one to report, and the thread is joined regardless.
  }
}

void SessionStart::run() {
  Outcome outcome = Outcome::Failed;
  try {
    if (cancelled_ && cancelled_()) {
      outcome = Outcome::Skipped;
    } else {
      dev_.start();
      outcome = Outcome::Started;
    }
  } catch (const DeviceError& e) {
    error_code_ = e.error();
    error_ = e.what();
  } catch (const std::exception& e) {
    error_ = e.what();
  }
  if (outcome == Outcome::Started && then_) {
    try {
      then_();
    } catch (const std::exception& e) {
      then_error_ = e.what();
    }
  }
  outcome_ = outcome;
  done_.store(true, std::memory_order_release);
}

bool SessionStart::failed() const {
  return done_.load(std::memory_order_acquire) &&
         (outcome_ != Outcome::Started || !then_error_.empty());
}

bool SessionStart::stop() { return stopAndJoin(); }

bool SessionStart::stopAndJoin() {
  bool stopped = false;
  struct Joiner {
    SessionStart* s;
    ~Joiner() {
      if (s->thread_.joinable()) s->thread_.join();
      s->joined_ = true;
    }
  } joiner{this};
  for (;;) {
    bool done = done_.load(std::memory_order_acquire);
    try {
      dev_.stop();
      stopped = true;
      break;
    } catch (const DeviceError& e) {
      // EINVAL: not started (yet).  If START had returned before this
      // STOP, it never will be; else it may still take the lock: retry.
      // A START that worked and a STOP refused is a real error.
      if (e.error() != EINVAL) throw;
      if (done) {
        if (outcome_ == Outcome::Started) throw;
        break;
      }
    }
    timespec ts{0, 1'000'000};
    nanosleep(&ts, nullptr);
  }
  return stopped;
}

}  // namespace kmr::recorder
