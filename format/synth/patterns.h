// What the simulated process does, one operation per step().  Internal.
#pragma once

#include <memory>

#include "synth/process.h"

namespace kmr::synth {

class PatternRunner {
 public:
  virtual ~PatternRunner() = default;
  // (Re)start on a fresh address space.
  virtual void setup(Process& p) = 0;
  // One operation: a few events.
  virtual void step(Process& p) = 0;
};

// `events` scales the working sets, so short traces still show every phase.
std::unique_ptr<PatternRunner> makePattern(Pattern pattern, uint64_t events);

}  // namespace kmr::synth
