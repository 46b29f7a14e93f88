// The whole userspace path without the kernel: per-CPU rings laid out per
// abi.h -> merge -> batches -> writer thread -> .kmr file, read back with
// the format library: every record arrives once, in seq order, unchanged.
#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <random>
#include <string>

#include "base/clock.h"
#include "batch_sink.h"
#include "drain.h"
#include "fake_rings.h"
#include "kmr/reader.h"
#include "merge.h"
#include "writer_thread.h"

using namespace kmr;
using namespace kmr::recorder;

TEST_CASE("rings to file and back: order and content survive") {
  char path[] = "/tmp/kmrpipeXXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  const unsigned nr = 3;
  test::FakeRings rings(nr, 64 << 10);
  const uint64_t total = 100000;
  {
    TraceHeader h;
    h.pid = 1;
    h.comm = "fake";
    TraceWriter writer(path, h);
    BatchQueue q(64 << 10, 2, 4);
    BatchSink sink(q);
    Consumer consumer(rings.ctl(), rings.data(), kmr::monotonicNs);
    WriterThread wt(writer, q);
    std::mt19937_64 rng(7);
    uint64_t seq = 1;
    while (seq <= total || !consumer.caughtUp()) {
      for (int i = rng() % 200; i > 0 && seq <= total; i--) {
        // FAULT records: the fake producer fills the payload with the
        // seq's low byte, so vaddr/ip/flags vary per record.
        if (!rings.produce(rng() % nr, KMR_EV_FAULT, seq, 1000 + seq, sizeof(kmr_ev_fault))) break;
        seq++;
      }
      Consumer::Step s = consumer.step(sink, 1000);
      if (s.refused) usleep(100);
    }
    sink.flush();
    wt.finish();
    CHECK_FALSE(wt.failed());
    CHECK(wt.rejected() == 0);
    CHECK(wt.events() == total);
  }
  TraceReader reader(path);
  CHECK_FALSE(reader.truncated());
  EventStream es(reader);
  Event ev;
  uint64_t expect = 1;
  bool ok = true;
  while (es.next(ev)) {
    uint64_t b = expect & 0xff;
    uint64_t word = b * 0x0101010101010101ull;
    ok &= ev.kind == EventKind::Fault && ev.seq == expect && ev.time_ns == 1000 + expect &&
          ev.fault.vaddr == word && ev.fault.ip == word;
    expect++;
  }
  CHECK(ok);
  CHECK(expect - 1 == total);
  unlink(path);
}

TEST_CASE("the time recording stopped reaches the file and extends its span") {
  char path[] = "/tmp/kmrpipeXXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  close(fd);
  const uint64_t start = 1'000'000'000, last = start + 5'000'000, stop = start + 1'000'000'000;
  for (bool with_stop : {true, false}) {
    INFO("with stop time: " << with_stop);
    {
      test::FakeRings rings(2, 64 << 10);
      TraceHeader h;
      h.pid = 1;
      h.comm = "fake";
      h.start_mono_ns = start;
      TraceWriter writer(path, h);
      BatchQueue q(64 << 10, 2, 4);
      BatchSink sink(q);
      Consumer consumer(rings.ctl(), rings.data(), kmr::monotonicNs);
      WriterThread wt(writer, q);
      for (uint64_t seq = 1; seq <= 5; seq++)
        REQUIRE(rings.produce(seq % 2, KMR_EV_FAULT, seq, start + seq * 1'000'000,
                              sizeof(kmr_ev_fault)));
      while (!consumer.caughtUp()) consumer.step(sink, 1000);
      sink.flush();
      if (with_stop)
        wt.finish(stop);
      else
        wt.finish();
      REQUIRE_FALSE(wt.failed());
      REQUIRE(wt.events() == 5);
    }
    TraceReader reader(path);
    CHECK(reader.lastEventNs() == last);
    CHECK(reader.recordingEndNs() == (with_stop ? stop : 0));
    CHECK(reader.endNs() == (with_stop ? stop : last));
  }
  unlink(path);
}
