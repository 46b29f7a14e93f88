// FlightWriter: a trace that keeps only its last part (kmemrec
// --flight-recorder SIZE), in memory, and writes it out as an ordinary .kmr
// file when asked.
//
//   kmr::FlightWriter fw(header, {.limit_bytes = 64 << 20});
//   for (...) fw.append(event);
//   fw.dump("crash.kmr", info, end_mono_ns);   // recording goes on
//
// The compressed trace lives in segments, each a complete trace in its own
// memfd that starts with a keyframe of the state at its first instant.  A
// segment is closed (finished: index and all) once it holds a quarter of
// SIZE, or twice its opening keyframe if that is more (at most SIZE); the
// oldest segments are dropped while all of them together exceed SIZE.  So
// the window kept is between three quarters of SIZE and SIZE of compressed
// trace, plus at most the chunk being written (more only when one keyframe
// alone is larger than SIZE: the newest segment is never dropped).
//
// dump() reads the kept segments back and writes one file: the first
// segment's opening keyframe at event 0, then every event since.  That file
// is re-encoded and re-compressed (the segments' chunk and keyframe numbers
// cannot be spliced), which costs about as much as writing it did; the
// recording waits meanwhile (the rings buffer it).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>

#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/state.h"
#include "kmr/totals.h"
#include "kmr/writer.h"

namespace kmr {

struct FlightOptions {
  uint64_t limit_bytes = 64u << 20;  // compressed trace kept, at most
  WriterOptions writer;
};

// What one dump() wrote.
struct FlightDump {
  WriterStats stats;             // of the written file
  uint64_t window_start_ns = 0;  // its first instant
  uint64_t window_end_ns = 0;    // its last event's time
};

class FlightWriter {
 public:
  // Throws Error(Io) when no memfd can be made.
  FlightWriter(const TraceHeader& header, const FlightOptions& options);
  ~FlightWriter();
  FlightWriter(const FlightWriter&) = delete;
  FlightWriter& operator=(const FlightWriter&) = delete;

  // As TraceWriter::append; may close a segment and drop old ones.
  void append(const Event& ev);
  // As TraceWriter::appendAll (a PTE and the FAULT it carried are kept as
  // one row pair, format version 4: ~15 % more window in the same SIZE on
  // fault-heavy targets); may close a segment and drop old ones.
  void appendAll(std::span<const Event> evs, size_t* next);
  // Write the pending events as a chunk (so dump() sees them).
  void flush();

  // Write the window kept so far to @path (mode 0600) as a finished trace
  // whose index carries @info (window_start_ns, limit_bytes and
  // dropped_bytes are filled in here), @end_mono_ns (TraceWriter::
  // setEndTime) and @lossless.  Recording goes on afterwards.  Throws
  // Error(Io) when writing fails, Error(Damaged) if a segment cannot be read
  // back (memory corruption: nothing else can cause it).
  FlightDump dump(const std::string& path, FlightInfo info, uint64_t end_mono_ns,
                  const std::optional<LosslessTotals>& lossless = std::nullopt);

  // Events appended in all, and the compressed bytes now kept (file_bytes).
  const WriterStats& stats() const;
  // The shadow state after the events appended so far.
  const ShadowState& state() const;
  // Compressed trace kept now, and discarded since the start.
  uint64_t keptBytes() const;
  uint64_t droppedBytes() const;
  // Segments kept now (at least one).
  size_t segments() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmr
