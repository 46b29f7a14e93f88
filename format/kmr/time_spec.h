// Instants on the command line: --at, --diff, --from, --to.
//
//   2.5s 1500ms 250us 100ns   relative to the trace start (header start time)
//   37%                       of the way from the start to the end
//   event:N                   after the first N events (event:0 = none)
//   mono:NS                   absolute CLOCK_MONOTONIC time in ns
//   start, end                the start of the trace; its end (after the
//                             last event)
//
// The trace spans from its start to TraceReader::endNs(): the last event,
// or later when the recorder stored when recording stopped; an instant
// between the last event and that shows the state after the last event.
//
// A time becomes a position with Replay::positionAtTime (see replay.h for
// what "the state at T" means).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "kmr/replay.h"

namespace kmr {

struct TimeSpec {
  enum class Kind { Relative, Percent, Event, Mono, Start, End };
  Kind kind = Kind::Start;
  uint64_t ns = 0;       // Relative, Mono
  double percent = 0;    // Percent
  uint64_t event = 0;    // Event
  std::string text;      // as given
};

// Throws Error(Syntax) with the accepted forms in the message.
TimeSpec parseTimeSpec(std::string_view s);

struct Instant {
  uint64_t position = 0;  // events applied
  uint64_t mono_ns = 0;   // the time asked for (event:N: the Nth event's time)
  std::string text;       // as given
};

// Throws Error(Range) naming the trace's span when the instant is outside.
Instant resolveTime(const TimeSpec& spec, const Replay& replay);

// "2.500000s" (relative times), "-0.000120s" allowed.
std::string formatSeconds(int64_t ns);

}  // namespace kmr
