// The trace reader and the replay engine without a view: open, verify every
// chunk and keyframe, stream every event, and ask the replay for states,
// positions and times across the trace.
#include <algorithm>
#include <vector>

#include "fuzz_trace.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::inputPath(data, size);
  fuzz::expectClearErrors([&] {
    TraceReader reader(path);
    (void)reader.verify();
    {
      EventStream es(reader);
      Event ev;
      while (es.next(ev)) {
      }
    }
    for (size_t i = 0; i < reader.keyframes().size(); i++) {
      ShadowState s;
      fuzz::expectClearErrors([&] { reader.loadKeyframe(i, s); });
    }
    Replay replay(reader);
    fuzz::expectClearErrors([&] { (void)replay.totals(); });
    const uint64_t n = replay.eventCount();
    std::vector<Damage> damage;
    for (uint64_t p : {uint64_t{0}, n / 3, n / 2, n}) {
      fuzz::expectClearErrors([&] { (void)replay.stateAt(p, &damage); });
      fuzz::expectClearErrors([&] {
        if (p < n) (void)replay.timeOfEvent(p);
      });
    }
    const uint64_t t0 = reader.startNs(), t1 = reader.endNs();
    for (uint64_t t : {t0, t0 + (t1 - t0) / 2, t1})
      fuzz::expectClearErrors([&] { (void)replay.positionAtTime(t); });
  });
  return 0;
}
