// The flight recorder's window: bounded, and a file that replays on its own
// to exactly the states the whole recording passes through.
#include "kmr/flight_writer.h"

#include <catch2/catch.hpp>

#include "kmr/reader.h"
#include "kmr/replay.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using testing::TempDir;

// Small chunks so that a few hundred thousand events make many segments.
WriterOptions smallChunks() {
  WriterOptions w;
  w.chunk_events = 2048;
  w.keyframe_min_events = 8192;
  return w;
}

// Feeds the same synthetic recording to a whole-file writer and a flight
// writer, dumping the window after @dump_after events (0: at the end).
struct Pair {
  Pair(const synth::SynthOptions& so, uint64_t limit, const TempDir& dir)
      : synth_options(so), synth(so), header(synth.header()),
        whole(dir.file("whole.kmr"), header, smallChunks()),
        flight(header, FlightOptions{limit, smallChunks()}) {}
  bool step() {
    std::vector<Event> batch;
    if (!synth.next(batch, 4096)) return false;
    for (const Event& e : batch) whole.append(e);
    // A folded recording goes in as the recorder sends it, in runs (its
    // faults' PTE and FAULT kept as row pairs); the other event by event.
    if (synth_options.fold_faults) {
      size_t next = 0;
      flight.appendAll(batch, &next);
      REQUIRE(next == batch.size());
    } else {
      for (const Event& e : batch) flight.append(e);
    }
    return true;
  }
  synth::SynthOptions synth_options;
  synth::Synth synth;
  TraceHeader header;
  TraceWriter whole;
  FlightWriter flight;
};

// The state of `whole` after its first `n` events.
ShadowState wholeAt(const std::string& path, uint64_t n) {
  TraceReader r(path);
  return Replay(r).stateAt(n);
}

}  // namespace

TEST_CASE("flight writer keeps a bounded window that replays to the recording's own states") {
  TempDir dir;
  synth::SynthOptions so;
  so.events = 400000;
  so.pattern = synth::Pattern::Random;
  so.fold_faults = GENERATE(false, true);
  const uint64_t limit = 256u << 10;
  Pair p(so, limit, dir);
  uint64_t peak_kept = 0;
  // Within the limit, but for the chunk being written (chunks of 2048
  // events here: a few KiB).
  const uint64_t slack = 64u << 10;
  while (p.step()) {
    peak_kept = std::max(peak_kept, p.flight.keptBytes());
    if (p.flight.keptBytes() > limit + slack) FAIL("kept " << p.flight.keptBytes());
  }
  p.flight.flush();
  p.whole.finish();
  const uint64_t total = p.whole.stats().events;
  REQUIRE(p.flight.stats().events == total);
  CHECK(p.flight.droppedBytes() > 0);
  CHECK(peak_kept <= limit + slack);
  // The window is at least what one segment holds (a quarter of the limit).
  CHECK(p.flight.keptBytes() >= limit / 4);

  FlightInfo info;
  info.cause = "SIGUSR1";
  info.trigger_ns = 77;
  FlightDump d = p.flight.dump(dir.file("window.kmr"), info, 0);

  TraceReader r(dir.file("window.kmr"));
  REQUIRE(r.hasIndex());
  REQUIRE(r.flight());
  CHECK(r.flight()->cause == "SIGUSR1");
  CHECK(r.flight()->trigger_ns == 77);
  CHECK(r.flight()->limit_bytes == limit);
  CHECK(r.flight()->dropped_bytes == p.flight.droppedBytes());
  CHECK(r.flight()->window_start_ns == d.window_start_ns);
  REQUIRE_FALSE(r.keyframes().empty());
  CHECK(r.keyframes()[0].event_index == 0);
  const uint64_t n = r.eventCount();
  REQUIRE(n > 0);
  REQUIRE(n < total);
  // Event i of the window is event (total - n + i) of the whole recording:
  // the states agree at the start, in the middle and at the end.
  Replay rp(r);
  for (uint64_t i : {uint64_t(0), n / 3, n / 2, n}) {
    INFO("window position " << i << " of " << n);
    ShadowState a = rp.stateAt(i);
    ShadowState b = wholeAt(dir.file("whole.kmr"), total - n + i);
    CHECK(a.sameContent(b));
  }
}

TEST_CASE("flight writer dumps again after recording goes on, and a short run whole") {
  TempDir dir;
  synth::SynthOptions so;
  so.events = 60000;
  so.pattern = synth::Pattern::Fork;
  so.fold_faults = GENERATE(false, true);
  // Never rotated: the window is the whole recording, an ordinary trace.
  Pair p(so, 64u << 20, dir);
  for (int i = 0; i < 5 && p.step(); i++) {
  }
  FlightDump d1 = p.flight.dump(dir.file("one.kmr"), {}, 0);
  while (p.step()) {
  }
  FlightDump d2 = p.flight.dump(dir.file("two.kmr"), {"target exited", 1, 0, 0, 0, 2}, 0);
  p.whole.finish();
  CHECK(d2.stats.events == p.whole.stats().events);
  CHECK(d1.stats.events < d2.stats.events);
  TraceReader r2(dir.file("two.kmr"));
  REQUIRE(r2.flight());
  CHECK(r2.flight()->dropped_bytes == 0);
  CHECK(r2.flight()->sequence == 2);
  CHECK(Replay(r2).stateAt(r2.eventCount())
            .sameContent(wholeAt(dir.file("whole.kmr"), p.whole.stats().events)));
  TraceReader r1(dir.file("one.kmr"));
  CHECK(Replay(r1).stateAt(r1.eventCount())
            .sameContent(wholeAt(dir.file("whole.kmr"), d1.stats.events)));
}

TEST_CASE("a trace may start from a state: a keyframe at event 0") {
  TempDir dir;
  synth::SynthOptions so;
  so.events = 20000;
  synth::Synth s(so);
  TraceHeader h = s.header();
  TraceWriter a(dir.file("a.kmr"), h);
  std::vector<Event> batch;
  REQUIRE(s.next(batch, 5000));
  for (const Event& e : batch) a.append(e);
  TraceWriter b(dir.file("b.kmr"), h, {}, &a.state());
  while (s.next(batch, 5000))
    for (const Event& e : batch) {
      a.append(e);
      b.append(e);
    }
  a.finish();
  b.finish();
  TraceReader ra(dir.file("a.kmr")), rb(dir.file("b.kmr"));
  REQUIRE(rb.keyframes().size() >= 1);
  CHECK(rb.keyframes()[0].event_index == 0);
  CHECK(rb.eventCount() + 5000 >= ra.eventCount());
  CHECK(Replay(rb).stateAt(0).sameContent(Replay(ra).stateAt(ra.eventCount() - rb.eventCount())));
  CHECK(Replay(rb).stateAt(rb.eventCount()).sameContent(Replay(ra).stateAt(ra.eventCount())));
}

}  // namespace kmr
