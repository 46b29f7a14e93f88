// What every view gets: the open trace, the replay engine, where to write,
// how (text or JSON, colours), and where to report damage met on the way.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "kmr/reader.h"
#include "kmr/replay.h"
#include "kmr/time_spec.h"
#include "base/style.h"

namespace kmr::replayer {

struct ViewContext {
  const TraceReader& reader;
  const Replay& replay;
  std::ostream& out;
  Style style;
  bool json = false;
  std::vector<Damage> damage;  // met while the view ran (warnings, exit 2)

  // Parse and resolve a time argument; throws Error(Syntax/Range).
  Instant instant(const std::string& spec) const;
  // "2.500000s (mono:1002500000000), after 1234 events"
  std::string describe(const Instant& in) const;
  // Relative time of an absolute one, e.g. "1.234567s".
  std::string rel(uint64_t mono_ns) const;
};

}  // namespace kmr::replayer
