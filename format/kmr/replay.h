// The replay engine: positions, times, states and event walks over a trace.
//
// A position p is a number of events applied (0 = none, eventCount() = all).
// "The state at time T" is the state at position positionAtTime(T): after
// applying, in seq order, every event before the first event whose time_ns
// exceeds T.  (time_ns may step back a few ns between CPUs; seq is the
// order, so an event with time <= T after one with time > T is not
// applied.)
//
// stateAt(p) starts from the last readable keyframe at or before p and
// replays the rest, so it costs at most one keyframe interval of replay.
#pragma once

#include <cstdint>
#include <vector>

#include "kmr/reader.h"
#include "kmr/state.h"
#include "kmr/totals.h"

namespace kmr {

class EventVisitor {
 public:
  virtual ~EventVisitor() = default;
  // `ordinal` = the event's position in the trace (a GAP: its first missing
  // event); `state` = after the event; `ops` = VMA operations it completed.
  virtual void onEvent(const Event& ev, uint64_t ordinal, const ShadowState& state,
                       const std::vector<VmaOp>& ops) = 0;
  // True to stop the walk early (e.g. enough rows printed).
  virtual bool done() const { return false; }
  // The end of the trace was reached; `ops` = operations held until then.
  virtual void onEnd(const ShadowState& state, const std::vector<VmaOp>& ops) {
    (void)state;
    (void)ops;
  }
};

class Replay {
 public:
  explicit Replay(const TraceReader& reader);

  const TraceReader& reader() const { return reader_; }
  uint64_t eventCount() const { return reader_.eventCount(); }

  // The position for absolute CLOCK_MONOTONIC time t (see above).
  uint64_t positionAtTime(uint64_t mono_ns) const;
  // Time of the event at ordinal i (the i-th event, 0-based).
  uint64_t timeOfEvent(uint64_t ordinal) const;

  // The state after p events.  Damage met is appended to *damage.
  ShadowState stateAt(uint64_t p, std::vector<Damage>* damage = nullptr) const;
  // The same, never using keyframes (for tests and checks).
  ShadowState stateAtFromStart(uint64_t p, std::vector<Damage>* damage = nullptr) const;

  // Advance `state` (at position from) to position `to`, calling v for each
  // event when given.  With want_ops, VMA operations are derived (and given
  // to v).  At the end of the trace held operations are flushed.
  void run(ShadowState& state, uint64_t to, EventVisitor* v, bool want_ops,
           std::vector<Damage>* damage = nullptr) const;

  // Whole-trace totals: the index's, or a full replay's when there is none.
  TraceTotals totals() const;
  // The process's totals, exit and peak present pages: the version-3
  // index's, or a full replay's (which samples the peak where the writer
  // does: at chunk boundaries and before the address space is released).
  StreamFacts facts() const;

  // Damage met by positionAtTime/timeOfEvent (which have no damage
  // parameter): the chunk holding an instant could not be read, so the
  // position is that chunk's start.
  const std::vector<Damage>& damageSeen() const { return seen_; }

 private:
  size_t chunkAt(uint64_t ordinal) const;  // chunk holding that ordinal

  const TraceReader& reader_;
  std::vector<uint64_t> prefix_max_ns_;  // running max of chunks' max_ns
  mutable std::vector<Damage> seen_;
};

}  // namespace kmr
