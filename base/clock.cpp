#include "base/clock.h"

#include <time.h>

namespace kmr {
namespace {

uint64_t nowNs(clockid_t id) {
  timespec ts;
  clock_gettime(id, &ts);
  return uint64_t(ts.tv_sec) * 1'000'000'000 + uint64_t(ts.tv_nsec);
}

}  // namespace

uint64_t monotonicNs() { return nowNs(CLOCK_MONOTONIC); }
uint64_t realtimeNs() { return nowNs(CLOCK_REALTIME); }

}  // namespace kmr
