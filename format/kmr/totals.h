// Whole-trace counts: stored in the index by the writer, or computed by a
// full replay when a file has no index.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>

#include "kmr/event.h"
#include "kmr/vma_map.h"

namespace kmr {

struct TraceTotals {
  uint64_t events = 0;
  std::array<uint64_t, kEventKindSlots> by_kind{};  // by EventKind value
  std::array<uint64_t, kVmaOpKinds> vma_ops{};      // by VmaOpKind
  uint64_t lost_records = 0;                        // sum of LOST counts
  uint64_t first_ns = 0;  // time of the first event
  uint64_t last_ns = 0;   // time of the last event
  uint64_t max_ns = 0;    // highest time
  uint64_t last_seq = 0;

  bool operator==(const TraceTotals&) const = default;
};

// One stream's end as its writer saw it (Index.streams, version 3): the
// process tree of the summary without a replay.
struct StreamFacts {
  TraceTotals totals;
  bool exited = false;         // an EXIT event was written
  int32_t exit_code = 0;       // its code
  uint64_t peak_pages = 0;     // most present pages after any event
  std::string last_exec;       // filename of the last EXEC, "" = none

  bool operator==(const StreamFacts&) const = default;
};

// How a `kmemrec --lossless` recording held its target (Index.lossless).
struct LosslessTotals {
  uint64_t held_ns = 0;     // threads of the target waited this long in all
  uint64_t held_waits = 0;  // in this many waits
  uint64_t lost_other = 0;  // lost records no thread could be held for

  bool operator==(const LosslessTotals&) const = default;
};

// Why and what a `kmemrec --flight-recorder` file holds (Index.flight).
struct FlightInfo {
  std::string cause;             // "SIGUSR1", "target killed by SIGSEGV", ...
  uint64_t trigger_ns = 0;       // CLOCK_MONOTONIC of the trigger
  uint64_t window_start_ns = 0;  // the window's first instant
  uint64_t limit_bytes = 0;      // --flight-recorder SIZE
  uint64_t dropped_bytes = 0;    // compressed trace discarded before it
  uint32_t sequence = 0;         // 1, 2, ... with --trigger-repeat; 0 without

  bool operator==(const FlightInfo&) const = default;
};

}  // namespace kmr
