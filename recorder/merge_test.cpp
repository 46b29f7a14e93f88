// The ring consumer and the seq merge on in-memory rings laid out per abi.h.
#include <catch2/catch.hpp>

#include <random>

#include "fake_rings.h"
#include "merge.h"

using namespace kmr::recorder;
using kmr::recorder::test::FakeRings;

namespace {

struct Collect : RecordSink {
  std::vector<uint64_t> seqs;
  std::vector<uint16_t> sizes;
  struct Gap {
    uint64_t first, count, after, before;
  };
  std::vector<Gap> gaps;
  bool payload_ok = true;

  size_t room = SIZE_MAX;  // records accepted before refusing
  // Taking runs (RecordSink::run) as BatchSink does: at most this many
  // bytes at once; 0 = one record at a time.
  size_t run_bytes = 0;
  bool runs_ok = true;
  size_t runs = 0;

  bool record(const kmr_event& ev) override {
    if (seqs.size() >= room) return false;
    take(ev);
    return true;
  }
  size_t runRoom() const override { return seqs.size() < room ? run_bytes : 0; }
  void run(const uint8_t* data, size_t bytes, size_t count, uint32_t kinds) override {
    runs++;
    if (bytes > run_bytes || count == 0) runs_ok = false;
    uint32_t seen = 0;
    size_t n = 0, off = 0;
    for (; off < bytes; n++) {
      const auto& ev = *reinterpret_cast<const kmr_event*>(data + off);
      if (ev.kind == KMR_EV_PAD || ev.size < sizeof(kmr_event)) {
        runs_ok = false;
        return;
      }
      if (!seqs.empty() && ev.seq != seqs.back() + 1 && n > 0) runs_ok = false;
      if (ev.kind < 32) seen |= 1u << ev.kind;
      take(ev);
      off += ev.size;
    }
    if (off != bytes || n != count || seen != kinds) runs_ok = false;
  }
  void take(const kmr_event& ev) {
    seqs.push_back(ev.seq);
    sizes.push_back(ev.size);
    // The producer filled the payload with the seq's low byte.
    const auto* p = reinterpret_cast<const uint8_t*>(&ev);
    for (size_t i = sizeof(kmr_event); i < ev.size; i++)
      if (p[i] != (ev.seq & 0xff)) payload_ok = false;
  }
  void gap(uint64_t first, uint64_t count, uint64_t after, uint64_t before) override {
    gaps.push_back({first, count, after, before});
  }
};

struct FakeClock {
  uint64_t now = 1000;
  Consumer::Clock fn() {
    return [this] { return now; };
  }
};

}  // namespace

TEST_CASE("one ring: records in order, PAD at the end of the ring skipped") {
  FakeRings f(1, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  uint64_t seq = 1;
  // 100 KiB of 200-byte records wraps a 64 KiB ring: PADs appear.
  for (int round = 0; round < 20; round++) {
    for (int i = 0; i < 25; i++, seq++) REQUIRE(f.produce(0, KMR_EV_FAULT, seq, seq * 10, 200));
    Consumer::Step s = c.step(out, 1 << 20);
    CHECK(s.records == 25);
    CHECK_FALSE(s.waiting);
    CHECK(f.ctl()->ring[0].tail == f.ctl()->ring[0].head);
  }
  REQUIRE(out.seqs.size() == 500);
  for (size_t i = 0; i < out.seqs.size(); i++) CHECK(out.seqs[i] == i + 1);
  CHECK(out.payload_ok);
  CHECK(out.runs_ok);
  CHECK(c.caughtUp());
  CHECK(f.ctl()->ring[0].lost == 0);
}

TEST_CASE("tail never passes a record that was not consumed") {
  FakeRings f(1, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  for (uint64_t s = 1; s <= 10; s++) f.produce(0, KMR_EV_PTE, s, s, 64);
  CHECK(c.step(out, 3).records == 3);
  CHECK(f.ctl()->ring[0].tail == 3 * 64);
  CHECK_FALSE(c.caughtUp());
  CHECK(c.step(out, 100).records == 7);
  CHECK(f.ctl()->ring[0].tail == 10 * 64);
  CHECK(c.caughtUp());
}

TEST_CASE("a sink without room leaves the record in the ring") {
  FakeRings f(2, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  for (uint64_t s = 1; s <= 6; s++) f.produce(s % 2, KMR_EV_FAULT, s, s, 40);
  out.room = 4;
  Consumer::Step s = c.step(out, 100);
  CHECK(s.records == 4);
  CHECK(s.refused);
  CHECK_FALSE(s.waiting);
  CHECK(f.ctl()->ring[0].tail == 2 * 40);  // seqs 2, 4 consumed; 6 not
  CHECK(f.ctl()->ring[1].tail == 2 * 40);  // seqs 1, 3 consumed; 5 not
  out.room = SIZE_MAX;
  CHECK(c.step(out, 100).records == 2);
  CHECK(out.seqs == std::vector<uint64_t>{1, 2, 3, 4, 5, 6});
}

TEST_CASE("several rings merge into exact seq order under random interleaving") {
  const unsigned nr = GENERATE(2u, 4u, 7u);
  FakeRings f(nr, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  std::mt19937_64 rng(nr);
  uint64_t seq = 1;
  const uint64_t total = 200000;
  while (seq <= total || !c.caughtUp()) {
    // Produce a random burst, then consume a random amount.
    for (int i = rng() % 300; i > 0 && seq <= total; i--) {
      unsigned r = rng() % nr;
      uint16_t size = static_cast<uint16_t>(24 + 8 * (rng() % 40));
      if (!f.produce(r, KMR_EV_FAULT, seq, seq, size)) break;  // full: consume first
      seq++;
    }
    c.step(out, rng() % 500 + 1);
  }
  REQUIRE(out.seqs.size() == total);
  bool ordered = true;
  for (size_t i = 0; i < total; i++) ordered &= out.seqs[i] == i + 1;
  CHECK(ordered);
  CHECK(out.payload_ok);
  CHECK(out.runs_ok);
  CHECK((out.runs > 0) == (out.run_bytes > 0));
  CHECK(out.gaps.empty());
  CHECK(c.late() == 0);
}

TEST_CASE("a missing seq holds back later records until it appears") {
  FakeRings f(2, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  f.produce(0, KMR_EV_FAULT, 1, 10, 32);
  f.produce(0, KMR_EV_FAULT, 3, 30, 32);  // 2 is still being written on ring 1
  f.produce(0, KMR_EV_FAULT, 4, 40, 32);
  Consumer::Step s = c.step(out, 100);
  CHECK(s.records == 1);
  CHECK(s.waiting);
  clk.now += 500'000'000;  // half the timeout
  CHECK(c.step(out, 100).waiting);
  f.produce(1, KMR_EV_PTE, 2, 20, 48);
  s = c.step(out, 100);
  CHECK(s.records == 3);
  CHECK_FALSE(s.waiting);
  CHECK(out.seqs == std::vector<uint64_t>{1, 2, 3, 4});
  CHECK(out.gaps.empty());
}

TEST_CASE("a seq that never appears is given up after the timeout, loudly") {
  FakeRings f(2, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn(), 1'000'000'000);
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  f.produce(0, KMR_EV_FAULT, 1, 10, 32);
  f.produce(1, KMR_EV_FAULT, 4, 40, 32);
  f.produce(1, KMR_EV_FAULT, 5, 50, 32);
  CHECK(c.step(out, 100).waiting);
  clk.now += 999'999'999;
  CHECK(c.step(out, 100).waiting);
  CHECK(out.gaps.empty());
  clk.now += 1;
  Consumer::Step s = c.step(out, 100);
  CHECK(s.gap == 2);
  REQUIRE(out.gaps.size() == 1);
  CHECK(out.gaps[0].first == 2);
  CHECK(out.gaps[0].count == 2);
  CHECK(out.gaps[0].after == 10);
  CHECK(out.gaps[0].before == 40);
  CHECK(c.gaps() == 1);
  c.step(out, 100);
  CHECK(out.seqs == std::vector<uint64_t>{1, 4, 5});
  // The given-up record turns up late: dropped and counted, order intact.
  f.produce(0, KMR_EV_FAULT, 3, 30, 32);
  f.produce(0, KMR_EV_FAULT, 6, 60, 32);
  c.step(out, 100);
  CHECK(out.seqs == std::vector<uint64_t>{1, 4, 5, 6});
  CHECK(c.late() == 1);
}

TEST_CASE("idle rings are not a stall") {
  FakeRings f(3, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn(), 10);
  Collect out;
  for (int i = 0; i < 5; i++) {
    clk.now += 100;
    Consumer::Step s = c.step(out, 100);
    CHECK(s.records == 0);
    CHECK_FALSE(s.waiting);
    CHECK(s.gap == 0);
  }
  CHECK(c.caughtUp());
}

TEST_CASE("framing errors stop the consumer with the ring and position") {
  FakeRings f(1, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  f.produce(0, KMR_EV_FAULT, 1, 1, 32);
  uint64_t raw[8] = {};
  auto* bad = reinterpret_cast<kmr_event*>(raw);
  size_t delivered = 1;  // the good record before the bad one
  SECTION("size not a multiple of 8") {
    bad->kind = KMR_EV_FAULT;
    bad->size = 30;
    f.produceRaw(0, raw, 32);
  }
  SECTION("size shorter than the header") {
    bad->kind = KMR_EV_FAULT;
    bad->size = 16;
    f.produceRaw(0, raw, 16);
  }
  SECTION("record extends past head") {
    bad->kind = KMR_EV_FAULT;
    bad->size = 64;
    f.produceRaw(0, raw, 32);
  }
  SECTION("zero size would loop forever") {
    bad->kind = KMR_EV_PAD;
    bad->size = 0;
    f.produceRaw(0, raw, 24);
  }
  SECTION("head further than a ring ahead") {
    f.ctl()->ring[0].head += 128 << 10;
    delivered = 0;  // caught when head is read, before any record
  }
  CHECK_THROWS_AS(c.step(out, 100), RingCorrupt);
  CHECK(out.seqs.size() == delivered);
}

TEST_CASE("records crossing the end of the ring are corrupt") {
  FakeRings f(1, 64 << 10);
  FakeClock clk;
  Consumer c(f.ctl(), f.data(), clk.fn());
  Collect out;
  out.run_bytes = GENERATE(0u, 64u, 1000u, 1u << 20);
  // Fill to 32 bytes before the end, then write a 64-byte record there.
  uint64_t seq = 1;
  while (f.ctl()->ring[0].head < (64 << 10) - 32) {
    f.produce(0, KMR_EV_FAULT, seq, seq, 32);
    seq++;
  }
  c.step(out, 1 << 20);
  uint64_t raw[4] = {};
  auto* bad = reinterpret_cast<kmr_event*>(raw);
  bad->kind = KMR_EV_FAULT;
  bad->size = 64;
  bad->seq = seq;
  f.produceRaw(0, raw, 32);
  f.ctl()->ring[0].head += 32;
  try {
    c.step(out, 100);
    FAIL("no exception");
  } catch (const RingCorrupt& e) {
    CHECK(std::string(e.what()).find("crosses the end") != std::string::npos);
    CHECK(std::string(e.what()).find("ring 0") != std::string::npos);
  }
}
