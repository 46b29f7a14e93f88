// The flight recorder's sink: file names, which exits trigger, and a run
// that writes a window on a trigger and another at the end.
#include "flight_sink.h"

#include <signal.h>

#include <catch2/catch.hpp>

#include "kmemrec/abi.h"
#include "kmr/reader.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

using namespace kmr;
using namespace kmr::recorder;

TEST_CASE("flight file names") {
  CHECK(FlightSink::fileName("t.kmr", 1, 0) == "t.kmr");
  CHECK(FlightSink::fileName("t.kmr", 2, 3) == "t.2.kmr");
  CHECK(FlightSink::fileName("dir.x/t", 1, 3) == "dir.x/t.1");
  CHECK(FlightSink::fileName(".kmr", 1, 3) == ".kmr.1");
}

TEST_CASE("which exits trigger the flight recorder") {
  CHECK(fatalExitCause(0, 0) == "");
  CHECK(fatalExitCause(3 << 8, 0) == "");               // exit(3)
  CHECK(fatalExitCause(SIGKILL, 0) == "");              // killed, not by the OOM killer
  CHECK(fatalExitCause(SIGTERM, 0) == "");
  CHECK(fatalExitCause(-1, 0) == "");                   // unknown
  CHECK(fatalExitCause(SIGSEGV, 0) == "target killed by SIGSEGV");
  CHECK(fatalExitCause(SIGABRT | 0x80, 0) == "target killed by SIGABRT (core dumped)");
  CHECK(fatalExitCause(SIGBUS, 0) == "target killed by SIGBUS");
  CHECK(fatalExitCause(SIGILL, 0) == "target killed by SIGILL");
  CHECK(fatalExitCause(SIGFPE, 0) == "target killed by SIGFPE");
  CHECK(fatalExitCause(SIGKILL, KMR_EXIT_F_OOM_KILLED) == "target OOM-killed");
}

TEST_CASE("a trigger writes the window, the end writes the next file") {
  testing::TempDir dir;
  synth::SynthOptions so;
  so.events = 50000;
  synth::Synth s(so);
  TraceHeader h = s.header();
  FlightSink sink({dir.file("t.kmr"), 1u << 20, 0, 2}, h);
  std::vector<Event> batch;
  REQUIRE(s.next(batch, 20000));
  for (const Event& e : batch) sink.append(e);
  sink.poll();  // nothing pending
  CHECK(sink.files().empty());
  sink.trigger("SIGUSR1", 123);
  sink.trigger("SIGUSR1 again", 124);  // before the poll: the same file
  sink.poll();
  REQUIRE(sink.files().size() == 1);
  CHECK(sink.files()[0].path == dir.file("t.1.kmr"));
  CHECK(sink.files()[0].cause == "SIGUSR1");
  CHECK_FALSE(sink.done());
  while (s.next(batch, 20000))
    for (const Event& e : batch) sink.append(e);
  sink.setEndCause("the target exited");
  sink.finish(0, std::nullopt);
  REQUIRE(sink.files().size() == 2);
  CHECK(sink.done());
  TraceReader r1(dir.file("t.1.kmr")), r2(dir.file("t.2.kmr"));
  REQUIRE(r1.flight());
  CHECK(r1.flight()->sequence == 1);
  CHECK(r1.flight()->trigger_ns == 123);
  REQUIRE(r2.flight());
  CHECK(r2.flight()->cause == "the target exited");
  CHECK(r2.flight()->sequence == 2);
  CHECK(r1.eventCount() < r2.eventCount());
}

TEST_CASE("a fatal signal triggers before the exit, and its exit not again") {
  CHECK(fatalSignalCause({SIGSEGV, 1, 0x1000, 7}, KMR_SIGNAL_F_COREDUMP) ==
        "target killed by SIGSEGV at 0x1000, before its core dump");
  CHECK(fatalSignalCause({SIGABRT, -6, 0, 7}, KMR_SIGNAL_F_COREDUMP) ==
        "target killed by SIGABRT, before its core dump");
  CHECK(fatalSignalCause({SIGTERM, 0, 0, 7}, 0) == "");  // not a crash

  testing::TempDir dir;
  synth::SynthOptions so;
  so.events = 5000;
  so.exit = false;
  synth::Synth s(so);
  FlightSink sink({dir.file("t.kmr"), 1u << 20, 0, 3}, s.header());
  std::vector<Event> batch;
  Event last;
  while (s.next(batch, 20000))
    for (const Event& e : batch) {
      sink.append(e);
      last = e;
    }
  sink.append(makeSignal(last.seq + 1, last.time_ns + 1, KMR_SIGNAL_F_COREDUMP,
                         {SIGSEGV, 1, 0x1000, 7}));
  sink.poll();
  REQUIRE(sink.files().size() == 1);
  CHECK(sink.files()[0].cause == "target killed by SIGSEGV at 0x1000, before its core dump");
  // the core dump, then the exit of the same death: no second file
  sink.append(makeExit(last.seq + 2, last.time_ns + 2, SIGSEGV | 0x80));
  sink.poll();
  CHECK(sink.files().size() == 1);
  sink.setEndCause("the target exited");
  sink.finish(0, std::nullopt);
  REQUIRE(sink.files().size() == 2);
  TraceReader r1(dir.file("t.1.kmr"));
  REQUIRE(r1.flight());
  CHECK(r1.flight()->trigger_ns == last.time_ns + 1);
}
