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

std::unique_ptr<PatternRunner> makePattern(Pattern pattern);

}  // namespace kmr::synth
