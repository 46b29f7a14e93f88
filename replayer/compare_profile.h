// One run's memory profile for `kmemreplay compare`: every VMA life with its
// counts, the process totals, and optionally the resident pages of each life
// at one relative instant (--at-relative).  One full replay per trace; the
// two traces of a comparison are profiled on two threads.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kmr/header.h"
#include "kmr/reader.h"
#include "vma_life.h"

namespace kmr::replayer {

struct InstantProfile {
  double fraction = 0;          // of the way from start to the last event
  uint64_t mono_ns = 0;         // the instant in this trace
  uint64_t position = 0;        // events applied
  uint64_t present_pages = 0;   // the whole process
  std::vector<uint64_t> resident;  // by life id; kNotAlive when not mapped then
  static constexpr uint64_t kNotAlive = UINT64_MAX;
};

struct TraceProfile {
  std::string path;
  TraceHeader header;
  uint64_t start_ns = 0;  // origin of relative times
  uint64_t end_ns = 0;    // end of the span: last event, or when recording stopped
  uint64_t events = 0;
  std::vector<VmaLife> lives;
  NameTable names;
  LifeTotals totals;
  uint64_t lives_at_start = 0;  // mapped before recording began
  uint64_t lives_created = 0;   // mapped during the trace (exec images included)
  uint64_t lives_ended = 0;     // unmapped before the end (exit/exec excluded)
  std::optional<InstantProfile> instant;
  std::vector<Damage> damage;  // met while replaying

  uint64_t durationNs() const { return end_ns > start_ns ? end_ns - start_ns : 0; }
};

// Replay `path` fully.  at_fraction in [0, 1]: also the resident pages of
// each life at that fraction of the trace.  Throws Error like TraceReader.
// "t.kmr:PID" is process PID of a trace of several (a file of several
// processes needs it; UsageError otherwise, listing the pids).
TraceProfile profileTrace(const std::string& path, std::optional<double> at_fraction);

// Both at once, on two threads.
std::pair<TraceProfile, TraceProfile> profileTraces(const std::string& a, const std::string& b,
                                                    std::optional<double> at_fraction);

}  // namespace kmr::replayer
