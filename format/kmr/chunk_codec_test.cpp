// Column encoding: varints, zigzag, and random events through encoder and
// decoder.
#include "kmr/chunk_codec.h"

#include <catch2/catch.hpp>

#include <random>

#include "kmr/error.h"
#include "tests/support/test_support.h"

namespace kmr::detail {
namespace {

TEST_CASE("zigzag maps signed to unsigned and back", "[codec]") {
  for (int64_t v : {int64_t{0}, int64_t{1}, int64_t{-1}, INT64_MAX, INT64_MIN, int64_t{-4096}}) {
    CHECK(unzigzag(zigzag(v)) == v);
  }
  CHECK(zigzag(0) == 0);
  CHECK(zigzag(-1) == 1);
  CHECK(zigzag(1) == 2);
}

TEST_CASE("varints round-trip and never read past their column", "[codec]") {
  ColumnWriter w;
  std::vector<uint64_t> values;
  for (unsigned bits = 0; bits <= 64; bits++) {
    uint64_t top = bits == 64 ? UINT64_MAX : (uint64_t{1} << bits) - 1;
    values.push_back(top);       // all ones: the largest value of each length
    values.push_back(top + 1);   // the smallest of the next
    values.push_back(top >> 1);
  }
  for (uint64_t v : values) w.put(v);
  auto bytes = w.bytes();
  // Read both with the fast path (long column) and near the end (slow path).
  ColumnReader r(bytes);
  for (uint64_t v : values) REQUIRE(r.get() == v);
  CHECK(r.atEnd());
  CHECK_FALSE(r.bad());
  CHECK(r.get() == 0);  // past the end: 0 and bad
  CHECK(r.bad());
  for (uint64_t v : values) {
    ColumnWriter one;
    one.put(v);
    ColumnReader alone(one.bytes());
    REQUIRE(alone.get() == v);
    REQUIRE(alone.atEnd());
    // Every truncation of it is caught.
    for (size_t n = 0; n < one.size(); n++) {
      ColumnReader t(one.bytes().first(n));
      t.get();
      REQUIRE(t.bad());
    }
  }
  CHECK(values.size() > 150);
}

TEST_CASE("sealed columns are zero padded to a word", "[codec]") {
  ColumnWriter w;
  for (int i = 0; i < 13; i++) w.putByte(0xaa);
  auto s = w.sealed();
  REQUIRE(s.size() == 13);
  for (size_t i = 13; i < 16; i++) CHECK(s.data()[i] == 0);
}

Event randomEvent(std::mt19937_64& rng, testing::EventList& l, uint64_t& seq, uint64_t& t) {
  auto r = [&] { return rng(); };
  auto small = [&] { return rng() % 1000; };
  auto any = [&] { return rng() % 4 == 0 ? rng() : (rng() % 3 == 0 ? small() : rng() >> (rng() % 64)); };
  seq += 1 + (rng() % 8 == 0 ? small() : 0);
  t += static_cast<uint64_t>(static_cast<int64_t>(rng() % 2000) - 50);
  unsigned k = 1 + rng() % (KMR_EV_NR_KINDS - 1);
  Event ev;
  switch (static_cast<EventKind>(k)) {
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd:
      ev = makeSnapshot(seq, t, k == KMR_EV_SNAPSHOT_END, static_cast<uint32_t>(small()),
                        {any(), any(), static_cast<uint32_t>(r()), static_cast<uint32_t>(r()), any()});
      break;
    case EventKind::VmaSync:
      ev = makeVmaSync(seq, t, static_cast<uint32_t>(small()), any(), any(), static_cast<uint32_t>(r()));
      break;
    case EventKind::Vma: {
      std::string name(rng() % 40, 'n');
      ev = makeVma(seq, t, static_cast<uint32_t>(r()),
                   {seq - small(), any(), any(), any(), any(), static_cast<uint32_t>(r()),
                    static_cast<uint32_t>(r())},
                   l.keep(name));
      break;
    }
    case EventKind::Pte: {
      std::vector<uint64_t> e(1 + (rng() % 4 == 0 ? rng() % 700 : 0));
      for (auto& x : e) x = rng() % 5 ? KMR_PTE_MAKE(any(), (r() & 0xffff) | 1) : r();
      ev = makePte(seq, t, static_cast<uint32_t>(small()), any(), static_cast<uint32_t>(small()),
                   l.keep(e));
      break;
    }
    case EventKind::PteUnmap:
      ev = makePteUnmap(seq, t, static_cast<uint32_t>(small()), any(), any());
      break;
    case EventKind::Cow:
      ev = makeCow(seq, t, {any(), any(), any(), static_cast<uint32_t>(r()), static_cast<uint32_t>(r())});
      break;
    case EventKind::Fault:
      ev = makeFault(seq, t, {any(), any(), static_cast<uint32_t>(r()), static_cast<uint32_t>(r())});
      break;
    case EventKind::Fork:
      ev = makeFork(seq, t, static_cast<uint32_t>(r()));
      break;
    case EventKind::Exec:
      ev = makeExec(seq, t, l.keep(std::string(rng() % 300, 'e')));
      break;
    case EventKind::Exit:
      ev = makeExit(seq, t, static_cast<int32_t>(r()));
      break;
    case EventKind::Lost:
      ev = makeLost(seq, t, {any(), any(), any(), any()});
      break;
    case EventKind::MemWrite:
      ev = makeMemWrite(seq, t, {any(), any(), static_cast<uint32_t>(r()), static_cast<uint32_t>(r())});
      break;
    case EventKind::PageData: {
      std::vector<uint8_t> d(rng() % 2 ? 8 : 4096);
      for (auto& b : d) b = static_cast<uint8_t>(r());
      ev = makePageData(seq, t, static_cast<uint32_t>(r()), any(), any(), l.keepData(d));
      break;
    }
    case EventKind::Signal:
      ev = makeSignal(seq, t, static_cast<uint32_t>(small()),
                      {static_cast<uint32_t>(r()), static_cast<int32_t>(r()), any(),
                       static_cast<uint32_t>(r())});
      break;
    case EventKind::Gap:
      break;
  }
  ev.flags = static_cast<uint32_t>(rng() % 3 ? ev.flags : r());
  return ev;
}

// @f decodes to exactly @in, in order.
void checkDecodesTo(const ChunkFrame& f, const std::vector<Event>& in) {
  ChunkDecoder dec;
  dec.reset(f);
  Event ev;
  for (size_t i = 0; i < in.size(); i++) {
    REQUIRE(dec.next(ev));
    INFO("event " << i << " " << kindName(in[i].kind));
    CHECK(ev == in[i]);
  }
  CHECK_FALSE(dec.next(ev));
}

TEST_CASE("random events of every kind survive the columns", "[codec]") {
  std::mt19937_64 rng(GENERATE(1, 2, 3, 4));
  testing::EventList l;
  uint64_t seq = rng(), t = rng();
  ChunkEncoder enc;
  std::vector<Event> in;
  for (int i = 0; i < 3000; i++) {
    in.push_back(randomEvent(rng, l, seq, t));
    enc.add(in.back());
  }
  ChunkFrame f = enc.frame(7, 99);
  checkDecodesTo(f, in);
}

// The encoder reserves room for small events (no name, no page bytes, at
// most 4 PTE entries) and writes their values unchecked: the largest of
// them, full of 9-byte values, back to back across many column growths.
TEST_CASE("small events with the longest values survive the columns", "[codec]") {
  constexpr uint64_t kMax = UINT64_MAX;
  ChunkEncoder enc;
  std::vector<Event> in;
  std::vector<uint64_t> entries(4, KMR_PTE_MAKE(KMR_PTE_PFN(kMax), KMR_PTE_PRESENT));
  uint64_t seq = 1;
  auto far = [&] { return seq += uint64_t{1} << 60; };  // 9-byte seq and time deltas
  for (int i = 0; i < 2000; i++) {
    VmaData v{0, 0, kMax, kMax, kMax, UINT32_MAX, UINT32_MAX};
    in.push_back(makeVma(far(), ~seq, UINT32_MAX, v, ""));
    in.push_back(makeSnapshot(far(), i, true, UINT32_MAX,
                              {kMax, kMax, UINT32_MAX, UINT32_MAX, kMax}));
    in.push_back(makePte(far(), ~seq, UINT32_MAX, kMax, 30, entries));
    in.push_back(makeLost(far(), i, {kMax, kMax, kMax, kMax}));
  }
  for (const Event& ev : in) enc.add(ev);
  ChunkFrame f = enc.frame(0, 0);
  checkDecodesTo(f, in);
}

// The module's one record per fault reaches the writer as a PTE and its
// FAULT (same seq, time and page): stored as a row pair (kRowFaultOfPte)
// they must read back as exactly those two events, among every other kind.
TEST_CASE("a PTE and its FAULT stored as a row pair read back as both", "[codec]") {
  std::mt19937_64 rng(GENERATE(5, 6, 7));
  testing::EventList l;
  uint64_t seq = rng() >> 8, t = rng() >> 8;
  ChunkEncoder enc;
  std::vector<Event> in;
  size_t paired = 0;
  for (int i = 0; i < 4000; i++) {
    if (rng() % 3) {
      seq += 1 + (rng() % 8 == 0 ? rng() % 100 : 0);
      t += rng() % 3000;
      uint64_t page = (rng() >> (rng() % 40)) << 12;
      uint64_t off = rng() % 2 ? 0 : rng() % 4096;
      uint64_t pfn = rng() % 4 ? 0x10000 + rng() % 50000 : rng() >> 12;
      Event pte = makePte(seq, t, KMR_PTE_CAUSE_FAULT, page, 12,
                          l.keep(std::vector<uint64_t>{
                              KMR_PTE_MAKE(pfn, KMR_PTE_PRESENT | KMR_PTE_ANON | KMR_PTE_DIRTY)}));
      uint32_t tid = rng() % 5 ? 4242 : static_cast<uint32_t>(rng());
      uint64_t ip = rng() % 4 ? 0x555555554abc + rng() % 64 : rng();
      Event fault = makeFault(seq, t, {page | off, ip, static_cast<uint32_t>(rng() % 64), tid});
      REQUIRE(ChunkEncoder::pairs(pte, fault));
      in.push_back(pte);
      in.push_back(fault);
      enc.addPair(pte, fault);
      paired++;
    } else {
      in.push_back(randomEvent(rng, l, seq, t));
      enc.add(in.back());
    }
  }
  REQUIRE(enc.count() == in.size());
  ChunkFrame f = enc.frame(3, 0);
  checkDecodesTo(f, in);
  CHECK(paired > 2000);
}

TEST_CASE("only a FAULT of the same seq, time and page pairs with its PTE", "[codec]") {
  testing::EventList l;
  auto entry = l.keep(std::vector<uint64_t>{KMR_PTE_MAKE(0x1234, KMR_PTE_PRESENT)});
  Event pte = makePte(10, 100, KMR_PTE_CAUSE_FAULT, 0x7f0000001000, 12, entry);
  Event fault = makeFault(10, 100, {0x7f0000001ff8, 0x401000, KMR_FAULT_WRITE, 7});
  CHECK(ChunkEncoder::pairs(pte, fault));
  Event other = fault;
  other.seq = 11;
  CHECK_FALSE(ChunkEncoder::pairs(pte, other));
  other = fault;
  other.time_ns = 101;
  CHECK_FALSE(ChunkEncoder::pairs(pte, other));
  other = fault;
  other.fault.vaddr = 0x7f0000002000;
  CHECK_FALSE(ChunkEncoder::pairs(pte, other));
  other = fault;
  other.flags = 1;
  CHECK_FALSE(ChunkEncoder::pairs(pte, other));
  CHECK_FALSE(ChunkEncoder::pairs(fault, pte));
  Event huge = makePte(10, 100, KMR_PTE_CAUSE_FAULT, 0x7f0000200000, 21, entry);
  Event in_huge = makeFault(10, 100, {0x7f0000234567, 0x401000, KMR_FAULT_WRITE, 7});
  CHECK_FALSE(ChunkEncoder::pairs(huge, in_huge));
}

TEST_CASE("a decoder refuses a FAULT-of-PTE row without its PTE", "[codec]") {
  testing::EventList l;
  auto entry = l.keep(std::vector<uint64_t>{KMR_PTE_MAKE(0x1234, KMR_PTE_PRESENT)});
  Event pte = makePte(10, 100, KMR_PTE_CAUSE_FAULT, 0x7f0000001000, 12, entry);
  Event fault = makeFault(10, 100, {0x7f0000001ff8, 0x401000, KMR_FAULT_WRITE, 7});
  ChunkEncoder enc;
  enc.add(makeExit(9, 90, 0));
  enc.addPair(pte, fault);
  ChunkFrame f = enc.frame(0, 0);
  REQUIRE(f.columns[kColKinds].size() == 3);
  checkDecodesTo(f, {makeExit(9, 90, 0), pte, fault});
  const uint8_t exit_byte = f.columns[kColKinds][0], pte_byte = f.columns[kColKinds][1];
  const uint8_t pair_byte = f.columns[kColKinds][2];
  REQUIRE((pair_byte & kKindMask) == kRowFaultOfPte);
  ChunkDecoder dec;
  Event ev;
  auto refuses = [&](std::vector<uint8_t> kinds) {
    ChunkFrame k = f;
    k.columns[kColKinds] = kinds;
    dec.reset(k);
    CHECK_THROWS_AS([&] { while (dec.next(ev)) {} }(), Error);
  };
  refuses({pair_byte, exit_byte, pte_byte});          // first in the chunk
  refuses({pte_byte, exit_byte, pair_byte});          // after an EXIT
  refuses({exit_byte, pte_byte, static_cast<uint8_t>(pair_byte | kKindHasFlags)});
  refuses({pte_byte, pair_byte, pair_byte});          // two after one PTE
}

TEST_CASE("a decoder refuses inconsistent columns", "[codec]") {
  testing::EventList l;
  ChunkEncoder enc;
  enc.add(makeFault(1, 1, {0x1000, 0x2000, 1, 2}));
  enc.add(makeExit(2, 2, 0));
  ChunkFrame f = enc.frame(0, 0);
  ChunkDecoder dec;
  Event ev;

  ChunkFrame fewer = f;
  fewer.count = 3;
  CHECK_THROWS_AS(dec.reset(fewer), Error);

  ChunkFrame cut = f;
  cut.columns[kColIps] = {};
  dec.reset(cut);
  CHECK_THROWS_AS([&] { while (dec.next(ev)) {} }(), Error);

  std::vector<uint8_t> extra(f.columns[kColMisc].begin(), f.columns[kColMisc].end());
  extra.push_back(5);
  ChunkFrame more = f;
  more.columns[kColMisc] = extra;
  dec.reset(more);
  CHECK_THROWS_AS([&] { while (dec.next(ev)) {} }(), Error);

  std::vector<uint8_t> badkind = {99, 11};
  ChunkFrame k = f;
  k.columns[kColKinds] = badkind;
  dec.reset(k);
  CHECK_THROWS_AS(dec.next(ev), Error);
}

}  // namespace
}  // namespace kmr::detail
