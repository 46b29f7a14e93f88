// Round trip: every event kind, with edge values, through writer and reader.
#include "kmr/writer.h"

#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "kmr/error.h"
#include "kmr/file_magic.h"
#include "kmr/reader.h"
#include "kmr/replay.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using testing::EventList;
using testing::TempDir;

// One of each kind, with values that stress the delta encodings: seq gaps,
// time stepping back, addresses at both ends of the address space, huge
// and zero pfns, non-present entries with swap bits, negative exit codes.
void everyKind(EventList& l, uint64_t& seq, uint64_t& t) {
  auto& ev = l.events;
  auto next = [&](int64_t dt) {
    t += static_cast<uint64_t>(dt);
    return std::pair{seq++, t};
  };
  auto [s1, t1] = next(100);
  ev.push_back(makeSnapshot(s1, t1, false, KMR_SNAP_START, {0, 1ull << 47, 4242, 0, 0}));
  auto [s2, t2] = next(5);
  ev.push_back(makeVmaSync(s2, t2, KMR_VMA_CAUSE_SNAPSHOT, 0, 1ull << 47, 2));
  auto [s3, t3] = next(-3);  // time steps back between CPUs
  ev.push_back(makeVma(s3, t3, KMR_VMA_F_FILE,
                       {s2, 0x555555554000, 0x555555556000, 0, 1234567, 0x801, KMR_VM_READ | KMR_VM_EXEC},
                       l.keep(std::string("/usr/bin/target"))));
  auto [s4, t4] = next(7);
  ev.push_back(makeVma(s4, t4, KMR_VMA_F_STACK,
                       {s2, 0x7ffffffde000, 0x7ffffffff000, 0x7ffffffde, 0, 0,
                        KMR_VM_READ | KMR_VM_WRITE | KMR_VM_GROWSDOWN},
                       ""));
  std::vector<uint64_t> run;
  for (uint64_t i = 0; i < 600; i++)
    run.push_back(i % 7 == 3 ? KMR_PTE_MAKE(0x1234 + i, KMR_PTE_SWAP)
                             : KMR_PTE_MAKE(0x3fff000 - i, KMR_PTE_PRESENT | KMR_PTE_ANON |
                                                               (i & 1 ? KMR_PTE_DIRTY : 0)));
  auto [s5, t5] = next(1000);
  ev.push_back(makePte(s5, t5, KMR_PTE_CAUSE_SNAPSHOT, 0x7f0000000000, 12, l.keep(run)));
  auto [s6, t6] = next(1);
  ev.push_back(makePte(s6, t6, KMR_PTE_CAUSE_FAULT, 0x200000, 21,
                       l.keep(std::vector<uint64_t>{KMR_PTE_MAKE(KMR_PTE_PFN_MASK & ~511ull,
                                            KMR_PTE_PRESENT | KMR_PTE_HUGE | 0xf000)})));
  auto [s7, t7] = next(1);
  ev.push_back(makeSnapshot(s7, t7, true, KMR_SNAP_START, {0, 1ull << 47, 4242, 2, 1113}));
  seq += 1000;  // a hole in seq: the format must not assume density
  auto [s8, t8] = next(123456789);
  ev.push_back(makeFault(s8, t8, {0x7f0000001234, 0x555555554abc, KMR_FAULT_WRITE | KMR_FAULT_USER, 4243}));
  auto [s9, t9] = next(10);
  ev.push_back(makeCow(s9, t9, {0x7f0000001000, 0x3fff000, 0x1, 4243, KMR_COW_ZERO}));
  auto [s10, t10] = next(10);
  ev.push_back(makePteUnmap(s10, t10, KMR_UNMAP_CLEAR, 0x7f0000000000, 0x7f0000400000));
  auto [s11, t11] = next(10);
  ev.push_back(makeFork(s11, t11, 99999));
  auto [s12, t12] = next(10);
  ev.push_back(makeMemWrite(s12, t12, {0xfffffffffffff000ull, 4096, 7, KMR_MEM_GUP}));
  std::vector<uint8_t> page(4096);
  for (size_t i = 0; i < page.size(); i++) page[i] = static_cast<uint8_t>(i * 31);
  auto [s13, t13] = next(10);
  ev.push_back(makePageData(s13, t13, KMR_PAGE_DATA_COW, 0x7f0000001000, 0x1, l.keepData(page)));
  auto [s14, t14] = next(10);
  ev.push_back(makePageData(s14, t14, KMR_PAGE_DATA_COW | KMR_PAGE_DATA_HASH, 0x7f0000002000,
                            0x2, l.keepData({1, 2, 3, 4, 5, 6, 7, 8})));
  auto [s15, t15] = next(10);
  ev.push_back(makeLost(s15, t15, {17, (1u << KMR_EV_PTE) | (1u << KMR_EV_FAULT), t14, t15}));
  auto [s16, t16] = next(10);
  ev.push_back(makeExec(s16, t16, l.keep(std::string(4096, 'x'))));
  auto [s17, t17] = next(10);
  ev.push_back(makeVmaSync(s17, t17, KMR_VMA_CAUSE_MUNMAP, 0x1000, 0x2000, 0));
  auto [s18, t18] = next(0);
  ev.push_back(makeExit(s18, t18, -1));
  Event weird = makeFault(seq++, t18, {~0ull, ~0ull, ~0u, ~0u});
  weird.flags = 0xdeadbeef;  // flags that abi.h says are 0 still round-trip
  ev.push_back(weird);
}

std::vector<Event> readAll(const TraceReader& r, EventList& copy) {
  std::vector<Event> out;
  EventStream s(r);
  Event ev;
  while (s.next(ev)) {
    // Payload views die with the next event: keep copies.
    if (!ev.entries.empty())
      ev.entries = copy.keep(std::vector<uint64_t>(ev.entries.begin(), ev.entries.end()));
    if (!ev.text.empty()) ev.text = copy.keep(std::string(ev.text));
    if (!ev.data.empty())
      ev.data = copy.keepData(std::vector<uint8_t>(ev.data.begin(), ev.data.end()));
    out.push_back(ev);
  }
  REQUIRE(s.damage().empty());
  return out;
}

TEST_CASE("every event kind survives a round trip", "[writer][reader]") {
  TempDir dir;
  std::string path = dir.file("all.kmr");
  EventList l;
  uint64_t seq = 1, t = 1'000'000'000;
  for (int i = 0; i < 3; i++) everyKind(l, seq, t);
  WriterOptions o;
  o.chunk_events = GENERATE(5u, 19u, 65536u);  // chunk boundaries everywhere
  TraceHeader h = testing::sampleHeader();
  h.pfns_hidden = GENERATE(false, true);  // a recorder without CAP_SYS_ADMIN
  {
    TraceWriter w(path, h, o);
    for (const Event& e : l.events) w.append(e);
    w.finish();
    CHECK(w.stats().events == l.events.size());
  }
  TraceReader r(path);
  CHECK(r.hasIndex());
  CHECK_FALSE(r.truncated());
  CHECK(r.damage().empty());
  h.format_version = kFormatVersion;
  CHECK(r.header() == h);
  CHECK(r.eventCount() == l.events.size());
  EventList copies;
  std::vector<Event> back = readAll(r, copies);
  REQUIRE(back.size() == l.events.size());
  for (size_t i = 0; i < back.size(); i++) {
    INFO("event " << i << " kind " << kindName(l.events[i].kind));
    CHECK(back[i] == l.events[i]);
  }
  const TraceTotals* tot = r.indexTotals();
  REQUIRE(tot);
  CHECK(tot->events == l.events.size());
  CHECK(tot->by_kind[KMR_EV_FAULT] == 6);
  CHECK(tot->lost_records == 3 * 17);
}

// The recorder hands a fault's PTE and FAULT together to appendAll, which
// stores them as a row pair: the same events, totals and index as event by
// event, at every chunk size (a pair never straddles a chunk or exceeds
// chunk_events).
TEST_CASE("a PTE and its FAULT appended together read back as appended", "[writer][reader]") {
  TempDir dir;
  EventList l;
  auto& ev = l.events;
  uint64_t seq = 1, t = 1000;
  ev.push_back(makeSnapshot(seq++, t, false, KMR_SNAP_START, {0, 1ull << 47, 4242, 0, 0}));
  ev.push_back(makeSnapshot(seq++, t, true, KMR_SNAP_START, {0, 1ull << 47, 4242, 0, 0}));
  for (uint64_t i = 0; i < 500; i++) {
    t += 700 + i % 13;
    uint64_t page = 0x7f0000000000 + (i % 7 == 0 ? 0x100000 * i : 0x1000 * i);
    ev.push_back(makePte(seq, t, KMR_PTE_CAUSE_FAULT, page, 12,
                         l.keep(std::vector<uint64_t>{KMR_PTE_MAKE(
                             0x20000 + i, KMR_PTE_PRESENT | KMR_PTE_ANON | KMR_PTE_DIRTY)})));
    ev.push_back(makeFault(seq++, t, {page + (i % 3) * 0x123, 0x401000 + i % 5,
                                      KMR_FAULT_WRITE | KMR_FAULT_USER,
                                      i % 11 == 0 ? 4243u : 4242u}));
    if (i % 50 == 0) ev.push_back(makeCow(seq++, t, {page, 0x20000 + i, 0x30000 + i, 4242, 0}));
  }
  ev.push_back(makeExit(seq++, t + 1, 0));
  WriterOptions o;
  o.chunk_events = GENERATE(1u, 2u, 3u, 7u, 65536u);
  o.keyframe_min_events = 64;
  o.keyframe_max_events = 256;
  std::string together = dir.file("together.kmr"), single = dir.file("single.kmr");
  {
    TraceWriter w(together, testing::sampleHeader(), o);
    size_t next = 0;
    // In two calls, the second starting between a PTE and its FAULT.
    std::span<const Event> all(ev);
    w.appendAll(all.first(301), &next);
    REQUIRE(next == 301);
    w.appendAll(all, &next);
    REQUIRE(next == ev.size());
    w.finish();
  }
  {
    TraceWriter w(single, testing::sampleHeader(), o);
    for (const Event& e : ev) w.append(e);
    w.finish();
  }
  TraceReader a(together), b(single);
  CHECK(a.verify().empty());
  EventList copies;
  std::vector<Event> back = readAll(a, copies);
  REQUIRE(back.size() == ev.size());
  for (size_t i = 0; i < back.size(); i++) {
    INFO("event " << i << " kind " << kindName(ev[i].kind));
    CHECK(back[i] == ev[i]);
  }
  REQUIRE(a.indexTotals());
  CHECK(*a.indexTotals() == *b.indexTotals());
  CHECK(a.indexTotals()->by_kind[KMR_EV_FAULT] == 500);
  for (const auto& c : a.chunks()) CHECK(c.count <= o.chunk_events);
  Replay ra(a), rb(b);
  CHECK(ra.facts().totals == rb.facts().totals);
}

// kmemsynth --fold-faults: its events, written in batches (appendAll
// pairs the folded faults), read back exactly, in a smaller file than the
// same events written one by one (no pairs).
TEST_CASE("folded synthetic faults read back exactly", "[writer][synth]") {
  TempDir dir;
  synth::SynthOptions so;
  so.events = 20000;
  so.pattern = GENERATE(synth::Pattern::Seq, synth::Pattern::Random, synth::Pattern::Fork,
                        synth::Pattern::Churn);
  so.fold_faults = true;
  WriterOptions o;
  o.chunk_events = 999;
  synth::writeTrace(so, dir.file("pairs.kmr"), o);
  synth::Synth gen(so);
  EventList l;
  std::vector<Event> batch;
  {
    TraceWriter w(dir.file("single.kmr"), gen.header(), o);
    while (gen.next(batch, 4096))
      for (const Event& e : batch) {
        w.append(e);
        l.events.push_back(e);
        if (!e.entries.empty())
          l.events.back().entries = l.keep(std::vector<uint64_t>(e.entries.begin(), e.entries.end()));
        if (!e.text.empty()) l.events.back().text = l.keep(std::string(e.text));
        if (!e.data.empty())
          l.events.back().data = l.keepData(std::vector<uint8_t>(e.data.begin(), e.data.end()));
      }
    w.finish();
  }
  size_t same_seq = 0;
  for (size_t i = 1; i < l.events.size(); i++)
    same_seq += l.events[i].kind == EventKind::Fault && l.events[i].seq == l.events[i - 1].seq;
  CHECK(same_seq > 1000);
  TraceReader r(dir.file("pairs.kmr"));
  CHECK(r.verify().empty());
  EventList copies;
  std::vector<Event> back = readAll(r, copies);
  REQUIRE(back.size() == l.events.size());
  for (size_t i = 0; i < back.size(); i++) {
    INFO("event " << i << " kind " << kindName(l.events[i].kind));
    REQUIRE(back[i] == l.events[i]);
  }
  TraceReader single(dir.file("single.kmr"));
  CHECK(*r.indexTotals() == *single.indexTotals());
  CHECK(testing::readBytes(dir.file("pairs.kmr")).size() <
        testing::readBytes(dir.file("single.kmr")).size());
}

TEST_CASE("trace files are created private", "[writer]") {
  TempDir dir;
  std::string path = dir.file("p.kmr");
  testing::writeBytes(path, {1, 2, 3});
  chmod(path.c_str(), 0644);
  TraceWriter w(path, testing::sampleHeader());
  w.finish();
  struct stat st;
  REQUIRE(stat(path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("the writer refuses what it cannot store", "[writer]") {
  TempDir dir;
  TraceWriter w(dir.file("x.kmr"), testing::sampleHeader());
  Event gap;
  gap.kind = EventKind::Gap;
  CHECK_THROWS_AS(w.append(gap), Error);
  std::vector<uint64_t> huge((1u << 20) + 1, KMR_PTE_MAKE(1, KMR_PTE_PRESENT));
  CHECK_THROWS_AS(w.append(makePte(1, 1, 0, 0, 12, huge)), Error);
  w.append(makeExit(1, 2, 0));  // still usable afterwards
  w.finish();
  CHECK_THROWS_AS(w.append(makeExit(2, 3, 0)), Error);
  TraceReader r(dir.file("x.kmr"));
  CHECK(r.eventCount() == 1);
}

TEST_CASE("appendAll stops at a refused event and resumes after it", "[writer]") {
  TempDir dir;
  TraceWriter w(dir.file("x.kmr"), testing::sampleHeader());
  Event gap;
  gap.kind = EventKind::Gap;
  std::vector<Event> evs = {makeFork(1, 1, 7), gap, makeFork(2, 2, 8), makeExit(3, 3, 0)};
  size_t next = 0;
  CHECK_THROWS_AS(w.appendAll(evs, &next), Error);
  CHECK(next == 1);
  next++;
  w.appendAll(evs, &next);
  CHECK(next == evs.size());
  w.finish();
  TraceReader r(dir.file("x.kmr"));
  CHECK(r.eventCount() == 3);
}

TEST_CASE("an empty trace is valid", "[writer][reader]") {
  TempDir dir;
  { TraceWriter(dir.file("e.kmr"), testing::sampleHeader()).finish(); }
  TraceReader r(dir.file("e.kmr"));
  CHECK(r.eventCount() == 0);
  CHECK(r.hasIndex());
  CHECK(r.chunks().empty());
}

}  // namespace
}  // namespace kmr
