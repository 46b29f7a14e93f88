// kmemrec --flight-recorder SIZE: record continuously, keep the last SIZE of
// compressed trace in memory (kmr::FlightWriter), and write it out when
// something happens:
//   - SIGUSR1 to kmemrec (trigger(), from the drain loop),
//   - the target's fatal signal (SIGSEGV, SIGBUS, SIGABRT, SIGILL, SIGFPE)
//     or its OOM kill: its EXIT record, read as it is appended,
//   - --trigger-rss: the target's resident pages in the traced range,
//   - the end of the recording (SIGINT/SIGTERM, --duration, the target's
//     exit), when fewer files than asked for were written.
// Without --trigger-repeat the first trigger writes -o FILE and ends the
// recording; with --trigger-repeat N each trigger writes FILE.1.kmr,
// FILE.2.kmr, ... and the recording ends after the Nth.
#pragma once

#include <atomic>
#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

#include "kmr/flight_writer.h"
#include "trace_sink.h"

namespace kmr::recorder {

struct FlightConfig {
  std::string output;        // -o FILE
  uint64_t limit_bytes = 0;  // --flight-recorder SIZE
  uint64_t trigger_rss = 0;  // bytes; 0 = off
  uint32_t repeat = 0;       // --trigger-repeat N; 0 = one file, -o FILE
};

// One file written.
struct FlightFile {
  std::string path;
  std::string cause;
  uint64_t trigger_ns = 0;
  uint64_t window_start_ns = 0, window_end_ns = 0;
  uint64_t events = 0, bytes = 0, dropped_bytes = 0;
};

class FlightSink : public TraceSink {
 public:
  FlightSink(const FlightConfig& c, const TraceHeader& h);

  // The name of the @k-th file (1-based): -o FILE without --trigger-repeat,
  // else FILE with ".k" before its ".kmr" (or after it, without one).
  static std::string fileName(const std::string& output, uint32_t k, uint32_t repeat);

  // Any thread: write the window at the next poll().  Triggers that come
  // before it are one file (the first one's cause).
  void trigger(const std::string& cause, uint64_t mono_ns);
  // Every file asked for is written: the recording may stop.
  bool done() const { return done_.load(std::memory_order_acquire); }
  // Why the recording ended, for a file written by finish().  Before it.
  void setEndCause(const std::string& cause);
  // After finish(): what was written, in order.
  std::vector<FlightFile> files() const;

  using TraceSink::append;
  void append(const Event& ev) override;
  // Runs of events without SIGNAL or EXIT go to FlightWriter::appendAll
  // (which keeps a fault's PTE and FAULT as a pair); those two are
  // append()ed for the triggers they may pull.
  void appendAll(std::span<const Event> evs, size_t* next) override;
  // FlightWriter keeps one process: -f with --flight-recorder is refused.
  uint32_t addStream(const ProcessInfo&) override {
    throw Error(Error::Code::Usage,
                "--flight-recorder keeps one process only (not yet with -f or --comm)");
  }
  void flush() override { w_.flush(); }
  void poll() override;
  void finish(uint64_t end_mono_ns, const std::optional<LosslessTotals>& lossless) override;
  const WriterStats& stats() const override { return w_.stats(); }
  const ShadowState& state() const override { return w_.state(); }

 private:
  void write(const std::string& cause, uint64_t trigger_ns, uint64_t end_ns,
             const std::optional<LosslessTotals>& lossless);
  void checkRss();

  const FlightConfig c_;
  const uint32_t page_size_;
  FlightWriter w_;
  mutable std::mutex mu_;  // pending_*, end_cause_, files_
  bool pending_ = false;
  std::string pending_cause_;
  uint64_t pending_ns_ = 0;
  std::string end_cause_;
  std::vector<FlightFile> files_;
  std::atomic<bool> done_{false};
  bool rss_armed_ = true;  // --trigger-rss fires again once below
  // The fatal signal (ABI 2's SIGNAL record) this death already triggered
  // on: its EXIT is not a second trigger.
  uint32_t signal_triggered_ = 0;
  uint64_t last_rss_check_ns_ = 0;
};

// The cause a target's EXIT record is a trigger for ("target killed by
// SIGSEGV", "target OOM-killed"), or "" for an ordinary exit.
std::string fatalExitCause(int32_t wait_status, uint32_t exit_flags);
// The cause a fatal SIGNAL record is a trigger for, taken before the core
// dump and the exit ("target killed by SIGSEGV at 0x1000, before its core
// dump"), or "" for a signal that is not a crash (SIGTERM, SIGINT, ...).
std::string fatalSignalCause(const SignalData& s, uint32_t signal_flags);

}  // namespace kmr::recorder
