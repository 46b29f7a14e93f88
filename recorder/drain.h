// The drain loop: the recorder's main thread while recording.  It takes
// records from the rings as fast as they come (merge by seq, copy into
// batches), hands batches to the writer thread, and sleeps in poll() only
// when the rings are empty.  It never waits for the writer: when no batch
// is free (memory budget reached), records stay in the rings.
#pragma once

#include <cstdint>
#include <functional>

#include "batch_sink.h"
#include "merge.h"
#include "session_device.h"

namespace kmr::recorder {

class Drainer {
 public:
  enum class End {
    Stopped,     // a signal (SIGINT, SIGTERM, SIGHUP)
    TargetExit,  // the target's EXIT record was taken and everything before it
    Duration,    // --duration elapsed
    WriterFailed,
  };

  struct Hooks {
    std::function<bool()> stop_requested;
    std::function<bool()> writer_failed;
    std::function<void()> tick;  // about every 250 ms, for the status line
  };

  Drainer(Consumer& c, BatchSink& sink, SessionDevice& dev, int stop_fd, Hooks hooks);

  // Records until one of End happens; @deadline_ns (monotonic, 0 = none).
  End run(uint64_t deadline_ns);

  // After KMR_IOC_STOP: takes every record the module handed out.  Returns
  // false if some never appeared within @timeout_ns (they are then a gap).
  bool drainRest(uint64_t timeout_ns);

  // Times the drain had to leave records in the rings (no free batch).
  uint64_t refusedSteps() const { return refused_steps_; }
  uint64_t waits() const { return waits_; }  // waits for a seq on another CPU
  // The module said the session ended (POLLHUP) but no EXIT record came.
  bool hupWithoutExit() const { return hup_without_exit_; }

 private:
  void handOver(uint64_t now, bool force);

  Consumer& c_;
  BatchSink& sink_;
  SessionDevice& dev_;
  int stop_fd_;
  Hooks hooks_;
  uint64_t last_handover_ = 0;
  uint64_t last_tick_ = 0;
  uint64_t refused_steps_ = 0;
  uint64_t waits_ = 0;
  uint64_t hup_since_ = 0;
  bool hup_without_exit_ = false;
};

}  // namespace kmr::recorder
