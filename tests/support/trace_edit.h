// Test traces (not part of any tool): kmemsynth traces, and edited copies of
// a trace (more faults in a range, regions slid as ASLR would).  Used by the
// replayer's unit tests and kmr-perturb (tests/cli/compare).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "synth/synth.h"

namespace kmr::testing {

// A kmemsynth trace at `path`.
void synthTrace(const std::string& path, synth::Pattern p, uint64_t events, uint64_t seed,
                uint64_t base = synth::kDefaultBase);

// Copy `in` to `out`, repeating `extra` of the FAULT records whose address
// lies in [lo, hi) (the first ones), each right after itself: the same
// workload with more faults in one VMA and nothing else changed.  seqs are
// renumbered densely (VMA records follow their window's new seq).
// Returns the number of faults added (less than extra if fewer exist).
uint64_t addFaults(const std::string& in, const std::string& out, uint64_t lo, uint64_t hi,
                   uint64_t extra);

// Copy `in` to `out` with every address inside [lo, hi) moved by delta, as
// ASLR places each region of a process independently (executable and heap,
// mmap area, stack).  Anonymous VMAs' pgoff (their address in pages) moves
// with them.  Ranges are moved by where they start; ranges starting outside
// every region (the snapshot's whole space, an exit's release) stay.
struct Slide {
  uint64_t lo, hi;
  int64_t delta;
};
void slideRegions(const std::string& in, const std::string& out, const std::vector<Slide>& slides);

}  // namespace kmr::testing
