// The writer thread: takes batches of merged records from the drain thread,
// translates them and appends them to the trace (encoding and compression
// happen here, never on the drain thread), flushes a chunk every second so
// a killed recorder loses at most about a second, and finishes the file
// (index and seek table) when the queue closes.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "batch_queue.h"
#include "kmr/writer.h"
#include "trace_sink.h"

namespace kmr::recorder {

class WriterThread {
 public:
  // Called about once a second from the writer thread (for --live).
  using Tick = std::function<void(const ShadowState&, const WriterStats&)>;

  WriterThread(TraceSink& sink, BatchQueue& q, Tick tick = {},
               uint64_t flush_interval_ns = 1'000'000'000);
  // Every event into @writer's file.
  WriterThread(TraceWriter& writer, BatchQueue& q, Tick tick = {},
               uint64_t flush_interval_ns = 1'000'000'000);
  ~WriterThread();  // closes the queue and joins
  WriterThread(const WriterThread&) = delete;
  WriterThread& operator=(const WriterThread&) = delete;

  // Closes the queue, waits until every batch is written and the file
  // finished.  @end_mono_ns: when recording stopped (CLOCK_MONOTONIC), stored
  // in the trace (TraceWriter::setEndTime) so it spans past a quiet tail;
  // 0 = unknown.  Idempotent (only the first call's time counts).
  void finish(uint64_t end_mono_ns = 0);
  // A --lossless recording's hold figures, stored in the trace's index
  // (TraceWriter::setLossless).  Call before finish().
  void setLossless(const LosslessTotals& l);

  // Counters published for the status line (any thread).
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  uint64_t fileBytes() const { return file_bytes_.load(std::memory_order_relaxed); }
  // Records the writer could not store: malformed for their kind, or
  // refused by the format (payload over its limits).
  uint64_t rejected() const { return rejected_.load(std::memory_order_relaxed); }
  // A write failed (disk full, I/O error): nothing more is stored.
  bool failed() const { return failed_.load(std::memory_order_acquire); }
  std::string error() const;
  std::string firstRejection() const;
  // The writer's final statistics (valid after finish()).
  WriterStats finalStats() const;

 private:
  void run();
  void fail(const std::string& why);
  void reject(const std::string& why);

  std::unique_ptr<FileSink> own_sink_;  // the TraceWriter constructor's
  TraceSink& writer_;
  BatchQueue& q_;
  Tick tick_;
  uint64_t flush_interval_ns_;
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> file_bytes_{0};
  std::atomic<uint64_t> rejected_{0};
  std::atomic<bool> failed_{false};
  std::atomic<uint64_t> end_mono_ns_{0};  // set by finish() before the queue closes
  std::optional<LosslessTotals> lossless_;  // set before finish(), read after the close
  mutable std::mutex mu_;
  std::string error_;
  std::string first_rejection_;
  WriterStats final_{};
  std::thread thread_;
  bool joined_ = false;
};

}  // namespace kmr::recorder
