// Where the writer thread puts the events it translated: the trace file
// itself (FileSink), or the flight recorder's window in memory, written
// out when something happens (FlightSink, flight_sink.h).
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "kmr/error.h"
#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/state.h"
#include "kmr/totals.h"
#include "kmr/writer.h"

namespace kmr::recorder {

class TraceSink {
 public:
  virtual ~TraceSink() = default;
  // TraceWriter's append and flush (Error(Usage) rejects one event,
  // Error(Io) ends the recording's writing).
  virtual void append(const Event& ev) = 0;
  // append(ev) for @evs[*next..], advancing *next past each event appended;
  // when one throws, *next is its index (TraceWriter::appendAll).  One
  // virtual call per run of events instead of one per event.
  virtual void appendAll(std::span<const Event> evs, size_t* next) {
    for (; *next < evs.size(); ++*next) append(evs[*next]);
  }
  virtual void flush() = 0;
  // Several processes (kmemrec -f, format version 3): declare one, getting
  // its stream id, and append its events (TraceWriter::addStream and
  // append(stream, ev)).  append(ev) is stream 0's.  The default refuses
  // (Error(Usage)): a sink that keeps one process only.
  virtual uint32_t addStream(const ProcessInfo& p) {
    (void)p;
    throw Error(Error::Code::Usage, "this recording mode keeps one process only");
  }
  virtual void append(uint32_t stream, const Event& ev) {
    if (stream != 0) addStream({});  // throws
    append(ev);
  }
  // On the writer thread between batches, at least every 100 ms: act on
  // what happened meanwhile (the flight recorder's triggers).
  virtual void poll() {}
  // The recording stopped at @end_mono_ns: finish the file(s).
  virtual void finish(uint64_t end_mono_ns, const std::optional<LosslessTotals>& lossless) = 0;
  // Events appended and bytes kept (for the status line and summary).
  virtual const WriterStats& stats() const = 0;
  // The shadow state after the events appended so far (--live).
  virtual const ShadowState& state() const = 0;
};

// The ordinary recording: every event into one trace file.
class FileSink : public TraceSink {
 public:
  explicit FileSink(TraceWriter& w) : w_(w) {}
  void append(const Event& ev) override { w_.append(ev); }
  void appendAll(std::span<const Event> evs, size_t* next) override { w_.appendAll(evs, next); }
  uint32_t addStream(const ProcessInfo& p) override { return w_.addStream(p); }
  void append(uint32_t stream, const Event& ev) override { w_.append(stream, ev); }
  void flush() override { w_.flush(); }
  void finish(uint64_t end_mono_ns, const std::optional<LosslessTotals>& lossless) override {
    w_.setEndTime(end_mono_ns);
    if (lossless) w_.setLossless(*lossless);
    w_.finish();
  }
  const WriterStats& stats() const override { return w_.stats(); }
  const ShadowState& state() const override { return w_.state(); }

 private:
  TraceWriter& w_;
};

}  // namespace kmr::recorder
