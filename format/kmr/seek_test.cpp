// Seeking: the state from the nearest keyframe + a short replay equals the
// state from a replay from the start, at many positions of realistic traces.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "kmr/error.h"
#include "kmr/reader.h"
#include "kmr/replay.h"
#include "kmr/time_spec.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using synth::Pattern;

std::string writeSynth(const testing::TempDir& dir, Pattern p, bool lost, bool exec,
                       uint64_t events = 30000) {
  synth::SynthOptions o;
  o.events = events;
  o.pattern = p;
  o.seed = 11;
  o.lost = lost;
  o.exec = exec;
  o.page_data = synth::PageData::Hash;
  WriterOptions w;
  w.chunk_events = 700;
  w.keyframe_min_events = 1400;
  w.keyframe_ratio = 1;  // as many keyframes as the spacing allows
  std::string path = dir.file(std::string(synth::patternName(p)) + ".kmr");
  synth::writeTrace(o, path, w);
  return path;
}

void checkSeeks(const std::string& path) {
  TraceReader r(path);
  Replay rp(r);
  REQUIRE(r.keyframes().size() >= 5);
  uint64_t n = rp.eventCount();
  std::mt19937_64 rng(5);
  std::vector<uint64_t> pos = {0, 1, n, n - 1};
  for (const KeyframeInfo& k : r.keyframes())
    for (int64_t d : {-1, 0, 1})
      if (static_cast<int64_t>(k.event_index) + d >= 0 && k.event_index + d <= n)
        pos.push_back(k.event_index + static_cast<uint64_t>(d));
  for (int i = 0; i < 80; i++) pos.push_back(rng() % (n + 1));
  std::sort(pos.begin(), pos.end());
  pos.erase(std::unique(pos.begin(), pos.end()), pos.end());

  ShadowState walk(r.header().range_start, r.header().range_end);
  for (uint64_t p : pos) {
    rp.run(walk, p, nullptr, false);
    std::vector<Damage> damage;
    ShadowState seek = rp.stateAt(p, &damage);
    INFO("position " << p << " of " << n);
    REQUIRE(damage.empty());
    REQUIRE(seek.applied() == walk.applied());
    REQUIRE(seek.lastSeq() == walk.lastSeq());
    REQUIRE(seek.sameContent(walk));
  }
}

TEST_CASE("seek = replay from zero, every pattern", "[seek]") {
  testing::TempDir dir;
  Pattern p = GENERATE(Pattern::Seq, Pattern::Random, Pattern::Fork, Pattern::Churn);
  bool lost = GENERATE(false, true);
  INFO(synth::patternName(p) << (lost ? " with lost events" : ""));
  checkSeeks(writeSynth(dir, p, lost, p == Pattern::Churn));
}

TEST_CASE("time positions follow the definition", "[seek]") {
  testing::TempDir dir;
  std::string path = writeSynth(dir, Pattern::Churn, false, false, 8000);
  TraceReader r(path);
  Replay rp(r);
  std::vector<uint64_t> times;
  EventStream s(r);
  Event ev;
  while (s.next(ev)) times.push_back(ev.time_ns);
  // At least one step back in time, so the definition is exercised.
  bool back = false;
  for (size_t i = 1; i < times.size(); i++) back |= times[i] < times[i - 1];
  CHECK(back);
  std::mt19937_64 rng(3);
  for (int i = 0; i < 300; i++) {
    uint64_t t = times[rng() % times.size()] + rng() % 3 - 1;
    auto first_after = std::find_if(times.begin(), times.end(), [&](uint64_t x) { return x > t; });
    CHECK(rp.positionAtTime(t) == static_cast<uint64_t>(first_after - times.begin()));
  }
  // event:N and the ends.
  CHECK(resolveTime(parseTimeSpec("event:0"), rp).position == 0);
  CHECK(resolveTime(parseTimeSpec("event:17"), rp).position == 17);
  CHECK(resolveTime(parseTimeSpec("event:17"), rp).mono_ns == times[16]);
  CHECK(resolveTime(parseTimeSpec("end"), rp).position == times.size());
  CHECK(resolveTime(parseTimeSpec("100%"), rp).position == times.size());
  CHECK_THROWS_AS(resolveTime(parseTimeSpec("event:" + std::to_string(times.size() + 1)), rp), Error);
  CHECK_THROWS_AS(resolveTime(parseTimeSpec("100s"), rp), Error);
  CHECK_THROWS_AS(resolveTime(parseTimeSpec("mono:1"), rp), Error);
  Instant mid = resolveTime(parseTimeSpec("mono:" + std::to_string(times[4000])), rp);
  CHECK(mid.position > 4000 - 5);
}

TEST_CASE("the index's totals equal a full replay's", "[seek]") {
  testing::TempDir dir;
  std::string path = writeSynth(dir, Pattern::Churn, true, true, 10000);
  TraceReader r(path);
  REQUIRE(r.indexTotals());
  // The same file without its trailer makes the reader count by replaying.
  std::vector<uint8_t> bytes = testing::readBytes(path);
  bytes.resize(r.chunks().back().offset + 80 + r.chunks().back().compressed_size);
  testing::writeBytes(dir.file("cut.kmr"), bytes);
  TraceReader cut(dir.file("cut.kmr"));
  REQUIRE_FALSE(cut.indexTotals());
  TraceTotals a = *r.indexTotals(), b = Replay(cut).totals();
  CHECK(a.events == b.events);
  CHECK(a.by_kind == b.by_kind);
  CHECK(a.vma_ops == b.vma_ops);
  CHECK(a.lost_records == b.lost_records);
  CHECK(a.last_seq == b.last_seq);
  CHECK(a.max_ns == b.max_ns);
  CHECK(a.vma_ops[static_cast<int>(VmaOpKind::Move)] > 0);
  CHECK(a.vma_ops[static_cast<int>(VmaOpKind::Protect)] > 0);
  CHECK(a.vma_ops[static_cast<int>(VmaOpKind::Grow)] > 0);
}

TEST_CASE("kmemsynth is deterministic", "[synth]") {
  testing::TempDir d1, d2;
  std::string a = writeSynth(d1, Pattern::Fork, true, false, 5000);
  std::string b = writeSynth(d2, Pattern::Fork, true, false, 5000);
  CHECK(testing::readBytes(a) == testing::readBytes(b));
}

}  // namespace
}  // namespace kmr
