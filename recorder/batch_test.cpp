// The drain-to-writer hand-off: pool growth within the budget, back-pressure
// at the budget, order, and the LOST record a merge gap becomes.
#include <catch2/catch.hpp>

#include <cstring>

#include "batch_sink.h"

using namespace kmr::recorder;
using namespace std::chrono_literals;

namespace {
struct Rec {
  kmr_event h;
  uint64_t payload[3];
};
Rec makeRec(uint64_t seq, uint16_t kind = KMR_EV_FAULT) {
  Rec r{};
  r.h.kind = kind;
  r.h.size = sizeof(Rec);
  r.h.seq = seq;
  r.h.time_ns = seq * 100;
  r.payload[0] = seq;
  return r;
}
}  // namespace

TEST_CASE("the pool grows to its budget, then the drain side is refused") {
  BatchQueue q(4096, 1, 3);
  auto a = q.acquire(0ms), b = q.acquire(0ms), c = q.acquire(0ms);
  CHECK(a);
  CHECK(b);
  CHECK(c);
  CHECK(q.allocated() == 3);
  CHECK_FALSE(q.acquire(10ms));
  q.push(std::move(a));
  auto got = q.pop(0ms);
  REQUIRE(got);
  q.recycle(std::move(got));
  CHECK(q.acquire(0ms));
}

TEST_CASE("batches reach the writer in order; close ends the stream") {
  BatchQueue q(4096, 2, 4);
  for (int i = 0; i < 3; i++) {
    auto b = q.acquire(0ms);
    b->records = i;
    q.push(std::move(b));
  }
  q.close();
  for (int i = 0; i < 3; i++) {
    auto b = q.pop(0ms);
    REQUIRE(b);
    CHECK(b->records == uint64_t(i));
  }
  CHECK_FALSE(q.pop(0ms));
  CHECK(q.closed());
}

TEST_CASE("the sink packs records, and refuses when no batch is free") {
  BatchQueue q(1024, 0, 2);
  BatchSink sink(q);
  uint64_t seq = 1;
  // 1024-byte batches keep room for a LOST record: (1024 - 56) / 48 = 20 each.
  while (true) {
    Rec r = makeRec(seq);
    if (!sink.record(r.h)) break;
    seq++;
  }
  CHECK(seq - 1 == 40);
  CHECK(sink.refusals() == 1);
  sink.flush();
  uint64_t next = 1;
  for (int i = 0; i < 2; i++) {
    auto b = q.pop(0ms);
    REQUIRE(b);
    CHECK(b->records == 20);
    for (size_t off = 0; off < b->used; off += sizeof(Rec)) {
      Rec r;
      std::memcpy(&r, b->data() + off, sizeof(r));
      CHECK(r.h.seq == next);
      CHECK(r.payload[0] == next);
      next++;
    }
    q.recycle(std::move(b));
  }
  Rec r = makeRec(seq);
  CHECK(sink.record(r.h));  // a batch came back
}

TEST_CASE("a merge gap becomes a LOST record at the gap's position") {
  BatchQueue q(4096, 1, 1);
  BatchSink sink(q);
  Rec r1 = makeRec(1), r4 = makeRec(4);
  sink.record(r1.h);
  sink.gap(2, 2, 100, 400);
  sink.record(r4.h);
  sink.flush();
  auto b = q.pop(0ms);
  REQUIRE(b);
  CHECK(b->records == 3);
  kmr_ev_lost l;
  std::memcpy(&l, b->data() + sizeof(Rec), sizeof(l));
  CHECK(l.h.kind == KMR_EV_LOST);
  CHECK(l.h.seq == 2);
  CHECK(l.count == 2);
  CHECK(l.first_ns == 100);
  CHECK(l.last_ns == 400);
  CHECK(sink.lostReported() == 2);
}

TEST_CASE("the sink counts what the module reported lost") {
  BatchQueue q(4096, 1, 1);
  BatchSink sink(q);
  kmr_ev_lost l{};
  l.h.kind = KMR_EV_LOST;
  l.h.size = sizeof(l);
  l.h.seq = 1;
  l.count = 17;
  sink.record(l.h);
  Rec e = makeRec(2, KMR_EV_EXIT);
  sink.record(e.h);
  CHECK(sink.lostReported() == 17);
  CHECK(sink.exits() == 1);
  CHECK(sink.records() == 2);
}
