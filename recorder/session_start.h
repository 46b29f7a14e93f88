// KMR_IOC_START on its own thread, and the STOP that ends it.
//
// START emits the snapshot and waits for ring space while doing so
// (abi.h), so it runs beside the drain loop.  Ending it safely is subtle:
//   - STOP on a session whose START is running makes a snapshot waiting for
//     space give up (START then fails with EINTR) and then itself fails with
//     EINVAL, because the session never started;
//   - STOP before START took the session's lock fails with EINVAL too, and
//     START then runs anyway, with nobody to stop it.
// stop() therefore repeats STOP until it worked or START has returned, and
// joins the thread; only then are START's results read.  The destructor
// does the same, so a recording that unwinds with an exception never
// destroys a joinable thread (std::terminate: "terminate called without an
// active exception", issue 9).
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <thread>

#include "session_device.h"

namespace kmr::recorder {

class SessionStart {
 public:
  enum class Outcome {
    Running,  // not joined yet
    Started,  // START worked (and then() returned)
    Skipped,  // cancelled() was true before START: not attempted
    Failed,   // START failed: error(), errorCode()
  };

  // Starts the thread: unless @cancelled() (a stop was requested), START,
  // then @then() if it worked (launch mode: release the child; print the
  // "recording" line).  An exception from then() is kept as thenError();
  // the session has started all the same.
  SessionStart(SessionDevice& dev, std::function<bool()> cancelled, std::function<void()> then);
  ~SessionStart();
  SessionStart(const SessionStart&) = delete;
  SessionStart& operator=(const SessionStart&) = delete;

  // True once the thread has done its work and START did not work or
  // then() threw (a reason for the drain loop to end).  Any thread.
  bool failed() const;

  // STOP until it worked or START returned, then join.  Throws (after the
  // join) the DeviceError of a STOP that failed other than with EINVAL, or
  // that failed after START worked.  Returns whether STOP worked.  Call
  // once.
  bool stop();

  // After stop():
  Outcome outcome() const { return outcome_; }
  int errorCode() const { return error_code_; }  // errno of a failed START
  const std::string& error() const { return error_; }
  const std::string& thenError() const { return then_error_; }

 private:
  void run();
  bool stopAndJoin();

  SessionDevice& dev_;
  std::function<bool()> cancelled_;
  std::function<void()> then_;
  // Written by the thread before done_ is set (release); read by others
  // only after done_ (acquire) or after the join.
  Outcome outcome_ = Outcome::Running;
  int error_code_ = 0;
  std::string error_, then_error_;
  std::atomic<bool> done_{false};
  bool joined_ = false;
  std::thread thread_;  // last: starts once everything above exists
};

}  // namespace kmr::recorder
