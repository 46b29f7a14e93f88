// SIGUSR1 as the flight recorder's trigger: a counter bumped by an
// async-signal-safe handler, read by the drain loop's tick.  Installed only
// with --flight-recorder (otherwise SIGUSR1 keeps its default action).
#pragma once

#include <cstdint>

namespace kmr::recorder {

class TriggerSignal {
 public:
  TriggerSignal();   // installs the handler
  ~TriggerSignal();  // restores the previous one
  TriggerSignal(const TriggerSignal&) = delete;
  TriggerSignal& operator=(const TriggerSignal&) = delete;

  // SIGUSR1s received since construction.
  uint64_t count() const;
};

}  // namespace kmr::recorder
