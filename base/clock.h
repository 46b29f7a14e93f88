// Clock readings in nanoseconds.  CLOCK_MONOTONIC is the clock of every
// record (abi.h: ktime_get_mono_fast_ns), so recorder times compare with
// event times.
#pragma once

#include <cstdint>

namespace kmr {

uint64_t monotonicNs();  // CLOCK_MONOTONIC
uint64_t realtimeNs();   // CLOCK_REALTIME

}  // namespace kmr
