// TraceWriter: events in, a .kmr file out.
//
//   kmr::TraceWriter w("trace.kmr", header);   // creates the file, mode 0600
//   for (...) w.append(event);                  // cheap, no allocation
//   w.flush();                                  // every ~second: bounds loss
//   w.setEndTime(stop_mono_ns);                 // optional: when recording stopped
//   w.finish();                                 // keyframe, index, seek table
//
// Events must come in seq order (the recorder merges rings by seq).  The
// writer encodes them into column buffers, and when a chunk is full (event
// count, raw bytes, or span of trace time) compresses and writes it on the
// calling thread.  It also keeps the shadow state (state()) to write
// keyframes between chunks, placed adaptively: when the bytes written since
// the last keyframe exceed keyframe_ratio times that keyframe's size (so
// keyframes stay near 1/ratio of the file), or keyframe_max_events passed
// (so `--at t` never replays more than that).
//
// A writer destroyed or killed without finish() leaves a file whose whole
// chunks are all readable (the reader reports it as truncated).
//
// Several processes (format version 3, `kmemrec -f`): the header's target
// is stream 0; addStream() declares another process and returns its id,
// append(stream, ev) adds one of its events.  Everything above holds per
// stream: each has its own seq order, chunk buffer, shadow state and
// keyframe schedule; streams interleave freely in the file.  A stream's
// partial chunk is written when it fills, after its EXIT, at flush() and
// finish(), and -
// so a quiet process does not hold its events back while others write -
// whenever another stream's chunk is written while its own partial chunk
// has spanned more than chunk_time_ns of trace time or waited through
// kIdleChunks other chunks.
//
//   uint32_t child = w.addStream({.pid = 4243, .ppid = 4242, .parent_stream = 0,
//                                 .comm = "worker", .start_ns = fork_ns});
//   w.append(child, ev);
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/state.h"
#include "kmr/totals.h"

namespace kmr {

struct WriterOptions {
  uint32_t chunk_events = 65536;          // events per chunk at most
  uint32_t chunk_raw_bytes = 4u << 20;    // encoded bytes per chunk at most
  uint64_t chunk_time_ns = 1000000000;    // trace time one chunk may span
  int zstd_level = 1;  // level 3 saves <1 % here and costs ~2x the CPU
  uint32_t keyframe_ratio = 30;           // file bytes per keyframe byte
  uint64_t keyframe_min_events = 65536;   // between keyframes, at least
  uint64_t keyframe_max_events = 1u << 20;  // between keyframes, at most
  bool keyframes = true;
};

// A stream's partial chunk is written after this many chunks of others.
constexpr uint32_t kIdleChunks = 64;

struct WriterStats {
  uint64_t events = 0;     // all streams
  uint64_t chunks = 0;
  uint64_t keyframes = 0;
  uint64_t streams = 1;
  uint64_t file_bytes = 0;      // written so far
  uint64_t raw_bytes = 0;       // encoded chunk messages before zstd
  uint64_t chunk_bytes = 0;     // chunk frames (compressed + headers)
  uint64_t keyframe_bytes = 0;  // keyframe frames (compressed + headers)
  uint64_t index_bytes = 0;     // index + seek table (after finish)
};

class TraceWriter {
 public:
  // Creates (truncates) `path` with mode 0600 and writes the header.
  // Throws Error(Io).
  // With @initial, the trace starts from that state instead of an empty
  // one: the first frame after the header is a keyframe of it at event 0,
  // so the file replays on its own (a flight-recorder window).  @initial
  // must allow a keyframe (ShadowState::canKeyframe()).
  TraceWriter(const std::string& path, const TraceHeader& header,
              const WriterOptions& options = {}, const ShadowState* initial = nullptr);
  // The same into @fd (adopted and closed by finish(); an empty file, e.g.
  // a memfd), called @name in errors.
  TraceWriter(int fd, const std::string& name, const TraceHeader& header,
              const WriterOptions& options = {}, const ShadowState* initial = nullptr);
  // Writes the pending chunk if finish() was not called (no index); never
  // throws.
  ~TraceWriter();
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // Append one event of stream 0 (the header's target).  Throws
  // Error(Usage) for a Gap or a payload over the format's limits (nothing is
  // written then), Error(Io) if writing a full chunk fails.
  void append(const Event& ev);
  // append(ev) for @evs[*next..] in order, advancing *next past each event
  // appended: one call for a run of events (the recorder's writer thread).
  // When an event throws, *next is its index (an Error(Usage) wrote nothing
  // of it), so the caller can report it and resume at *next + 1.  A PTE
  // followed by the FAULT it carried (same seq, time and page) is stored
  // as one row pair (format version 4), which append() one by one does not
  // do: same events read back, about half the writer's work for them.
  void appendAll(std::span<const Event> evs, size_t* next);
  // Declare another process (its Frame{process} is written now) and return
  // its stream id (1, 2, ...).  @p.stream is ignored; @p.parent_stream, if
  // set, must name a stream already declared.  Throws Error(Usage) beyond
  // kMaxStreams or after finish(), Error(Io).
  uint32_t addStream(const ProcessInfo& p);
  // Append one event of @stream (0 or an id from addStream()), as append().
  // Throws Error(Usage) for an unknown stream.
  void append(uint32_t stream, const Event& ev);
  void appendAll(uint32_t stream, std::span<const Event> evs, size_t* next);
  uint32_t streamCount() const;
  // Write every stream's events appended so far as chunks (no-op when none).
  void flush();
  // The same for @stream alone: a process's writer thread bounding its own
  // loss calls this, so N threads flushing every second do not cut every
  // other stream's chunks short N times a second.  Throws Error(Usage) for
  // an unknown stream.
  void flush(uint32_t stream);
  // When recording stopped (CLOCK_MONOTONIC ns): the recorder saw nothing
  // change between the last event and this, so readers let the trace span
  // to it (`--at` after the last event shows the final state).  Stored in
  // the index by finish(); 0 (the default) = unknown, the trace then ends
  // at its last event.  A file left without finish() has no end time.
  void setEndTime(uint64_t end_mono_ns);
  // A --lossless recording: how it held its target (stored in the index by
  // finish(); readers without the field ignore it).
  void setLossless(const LosslessTotals& l);
  // A flight-recorder file: why it was written and what window it holds
  // (stored in the index by finish()).
  void setFlight(const FlightInfo& f);
  // Flush, write a last keyframe, the index and the seek table, close.
  // Further appends throw Error(Usage).
  void finish();

  const WriterStats& stats() const;
  // The shadow state after the events appended so far (for a live view):
  // stream 0's, or @stream's.
  const ShadowState& state() const;
  const ShadowState& state(uint32_t stream) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmr
