// TraceReader: a .kmr file, opened and checked; chunks and keyframes on
// demand.  Every byte is untrusted: sizes are bounds-checked, Cap'n Proto
// runs with traversal and nesting limits, zstd verifies each frame's
// checksum, and damage is reported with the chunk it hit.
//
// A finished file is read through its index (found via the seek table).  A
// file without a usable index (writer killed, file cut short, trailer
// damaged) is walked frame header by frame header; every whole chunk is
// readable, truncated() says so, and damaged frame headers are skipped by
// searching for the next good one (the chunks in between become gaps).
//
// Sequential reading is EventStream: events in file order, with a GAP event
// where a chunk cannot be read (state across it becomes unknown).
//
// Several processes (format version 3): a reader shows one stream at a
// time - stream 0 (the header's target) when opened.  Everything below
// (header(), chunks(), keyframes(), eventCount(), totals, EventStream,
// Replay) is then that process's alone, exactly as a one-process trace, with
// header() naming that process (pid, comm, cmdline) and times on the
// file's common clock.  streams() lists every process; openStream(id)
// gives a reader of another one that shares the open file.  A version-2
// file is one stream.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kmr/error.h"
#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/state.h"
#include "kmr/totals.h"

namespace kmr {

struct ChunkInfo {
  uint32_t number = 0;  // in its stream
  uint64_t offset = 0;  // of its frame header
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint64_t first_event = 0;  // ordinal of its first event
  uint32_t count = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  bool unreadable = false;  // found missing while walking: only first_event/count known
  uint32_t stream = 0;
};

struct KeyframeInfo {
  uint32_t number = 0;
  uint64_t offset = 0;
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint64_t event_index = 0;  // events applied in its state
  uint64_t last_seq = 0;
  uint64_t max_ns = 0;
  uint32_t stream = 0;
};

struct Damage {
  uint64_t offset = 0;
  int64_t chunk = -1;  // chunk number, -1 when the damage is not in a chunk
  std::string what;    // "chunk 7 at offset 123456: checksum mismatch"
  uint32_t stream = 0;
};

// One process of the file.
struct StreamInfo {
  ProcessInfo process;
  std::optional<StreamFacts> facts;  // from a version-3 index; else nullopt
  uint64_t events = 0;               // in its chunks (unreadable ones too)
  uint32_t chunks = 0;
  bool declared = true;  // false: its Frame{process} was lost (pid 0, no names)
};

class ChunkEvents;

class TraceReader {
 public:
  // Throws Error: Io (missing, unreadable), NotATrace, Version, Damaged (the
  // header frame itself).
  explicit TraceReader(const std::string& path);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const std::string& path() const;
  // The file's header, with pid, ppid, comm and cmdline of this reader's
  // stream (format_version etc. are the file's).
  const TraceHeader& header() const;

  // Every process in the file, by stream id (one for a version-2 file).
  const std::vector<StreamInfo>& streams() const;
  // The stream this reader shows.
  uint32_t stream() const;
  const StreamInfo& streamInfo() const;
  // A reader of stream @id of the same file (sharing the mapping and what
  // opening found).  Throws Error(Usage) for an unknown id.
  std::unique_ptr<TraceReader> openStream(uint32_t id) const;
  uint64_t fileSize() const;
  bool hasIndex() const;
  // No trailer: the writer never finished (or the file was cut).
  bool truncated() const;
  // Why the index was not used ("" when it was).
  const std::string& indexProblem() const;
  // This stream's chunks and keyframes, in file order.
  const std::vector<ChunkInfo>& chunks() const;
  const std::vector<KeyframeInfo>& keyframes() const;
  // Damage found while opening (frame headers, walking), in any stream.
  const std::vector<Damage>& damage() const;
  // This stream's totals from the index; null without one.
  const TraceTotals* indexTotals() const;
  uint64_t eventCount() const;
  // Origin of relative times: the header's start time, else the first
  // event's time.
  uint64_t startNs() const;
  // The end of the trace's span (what "end", "100%", durations and the
  // "outside the trace" check use): max(lastEventNs(), recordingEndNs()),
  // at least startNs().
  uint64_t endNs() const;
  // Highest event time in the file (chunk headers), startNs() when empty.
  uint64_t lastEventNs() const;
  // When recording stopped (CLOCK_MONOTONIC), from the index; 0 = unknown
  // (no index, or a file written before the index had the field).
  uint64_t recordingEndNs() const;
  // A `kmemrec --lossless` recording's hold figures (from the index);
  // nullopt for other recordings and files without an index.
  const std::optional<LosslessTotals>& lossless() const;
  // A `kmemrec --flight-recorder` file's trigger and window (from the
  // index); nullopt for other files.
  const std::optional<FlightInfo>& flight() const;
  // Bytes of keyframe (all streams) and index/seek-table frames.
  uint64_t keyframeBytes() const;
  uint64_t indexBytes() const;

  // Check every chunk and keyframe of every stream (decompress, verify the
  // checksum and the message's structure) without decoding events; returns
  // what is damaged.
  std::vector<Damage> verify() const;

  // Decode chunk i into `out`.  Throws Error(Damaged) naming the chunk.
  void loadChunk(size_t i, ChunkEvents& out) const;
  // Replace `s` by keyframe i's state.  Throws Error(Damaged).
  void loadKeyframe(size_t i, ShadowState& s) const;

 private:
  struct File;
  struct Impl;
  TraceReader(std::shared_ptr<const File> file, uint32_t stream);
  std::unique_ptr<Impl> impl_;
};

// The events of one loaded chunk.
class ChunkEvents {
 public:
  ChunkEvents();
  ~ChunkEvents();
  ChunkEvents(const ChunkEvents&) = delete;
  ChunkEvents& operator=(const ChunkEvents&) = delete;

  // The next event (payload views valid until the next call) or false at
  // the end.  Throws Error(Damaged) naming the chunk and event.
  bool next(Event& ev);
  // Several events at once (cheaper per event): up to out.size(); the
  // payload views of all of them stay valid until the next call.  0 at the
  // end.
  size_t nextBatch(std::span<Event> out);
  uint32_t count() const;
  uint32_t decoded() const;

 private:
  friend class TraceReader;
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// All events in file order from chunk `first_chunk`, a GAP where a chunk is
// unreadable (the damage is recorded, reading goes on).
class EventStream {
 public:
  explicit EventStream(const TraceReader& reader, size_t first_chunk = 0);
  ~EventStream();

  bool next(Event& ev);
  // Up to out.size() events (payload views valid until the next call);
  // 0 at the end.  A GAP ends a batch.
  size_t nextBatch(std::span<Event> out);
  // Ordinal of the next event (events before it, gaps included).
  uint64_t position() const { return position_; }
  const std::vector<Damage>& damage() const { return damage_; }

 private:
  bool gapFor(const Error& e, Event& ev);

  const TraceReader& reader_;
  size_t chunk_;
  bool in_chunk_ = false;
  uint64_t position_ = 0;
  ChunkEvents events_;
  std::vector<Damage> damage_;
};

}  // namespace kmr
