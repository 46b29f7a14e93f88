// The reader against bad bytes: truncation anywhere, bit flips everywhere,
// files that are not traces, newer versions, damaged chunks.
#include "kmr/reader.h"

#include <catch2/catch.hpp>

#include <random>

#include "kmr/error.h"
#include "kmr/file_magic.h"
#include "kmr/replay.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using testing::TempDir;

// The events of a trace as comparable values (payloads copied).
struct Outcome {
  std::vector<Event> events;
  testing::EventList store;
  std::vector<Damage> damage;
  bool truncated = false;
};

void readOutcome(const std::string& path, Outcome& o) {
  TraceReader r(path);
  o.truncated = r.truncated();
  o.damage = r.damage();
  EventStream s(r);
  Event ev;
  while (s.next(ev)) {
    if (!ev.entries.empty())
      ev.entries = o.store.keep(std::vector<uint64_t>(ev.entries.begin(), ev.entries.end()));
    if (!ev.text.empty()) ev.text = o.store.keep(std::string(ev.text));
    if (!ev.data.empty())
      ev.data = o.store.keepData(std::vector<uint8_t>(ev.data.begin(), ev.data.end()));
    o.events.push_back(ev);
  }
  o.damage.insert(o.damage.end(), s.damage().begin(), s.damage().end());
}

std::string smallTrace(const TempDir& dir, bool finish = true, uint64_t events = 600) {
  synth::SynthOptions o;
  o.events = events;
  o.pattern = synth::Pattern::Churn;
  o.seed = 3;
  o.lost = true;
  WriterOptions w;
  w.chunk_events = 100;
  w.keyframe_min_events = 200;
  w.keyframe_ratio = 1;
  std::string path = dir.file(finish ? "small.kmr" : "killed.kmr");
  synth::Synth s(o);
  TraceWriter writer(path, s.header(), w);
  std::vector<Event> batch;
  while (s.next(batch, 1000))
    for (const Event& e : batch) writer.append(e);
  if (finish) writer.finish();
  return path;  // without finish the destructor leaves a file without index
}

TEST_CASE("a file cut anywhere reads up to its last whole chunk", "[reader]") {
  TempDir dir;
  std::string path = smallTrace(dir, true, 3000);
  Outcome ref;
  readOutcome(path, ref);
  REQUIRE(ref.damage.empty());
  std::vector<uint8_t> bytes = testing::readBytes(path);
  TraceReader full(path);
  Replay full_replay(full);

  std::vector<uint64_t> cuts;
  for (const ChunkInfo& c : full.chunks())
    for (uint64_t d : {0, 1, 8, 79, 80, 81, 200}) cuts.push_back(c.offset + d);
  for (const KeyframeInfo& k : full.keyframes()) cuts.push_back(k.offset + 100);
  std::mt19937_64 rng(9);
  for (int i = 0; i < 60; i++) cuts.push_back(32 + rng() % (bytes.size() - 32));
  cuts.push_back(bytes.size() - 1);
  uint64_t data_end = full.chunks().back().offset + 80 + full.chunks().back().compressed_size;
  for (const KeyframeInfo& k : full.keyframes())
    data_end = std::max(data_end, k.offset + 80 + k.compressed_size);
  cuts.push_back(data_end);

  for (uint64_t cut : cuts) {
    if (cut >= bytes.size()) continue;
    INFO("cut at " << cut << " of " << bytes.size());
    testing::writeBytes(dir.file("cut.kmr"), {bytes.begin(), bytes.begin() + static_cast<long>(cut)});
    // Whole chunks before the cut.
    uint64_t expect = 0;
    for (const ChunkInfo& c : full.chunks())
      if (c.offset + 80 + c.compressed_size <= cut) expect = c.first_event + c.count;
    bool header_whole = cut >= full.chunks().front().offset;
    if (!header_whole) {
      // Inside the header frame: that is an error, not a trace.
      CHECK_THROWS_AS(TraceReader(dir.file("cut.kmr")), Error);
      continue;
    }
    Outcome o;
    readOutcome(dir.file("cut.kmr"), o);
    CHECK(o.truncated);
    CHECK(o.damage.empty());
    REQUIRE(o.events.size() == expect);
    for (size_t i = 0; i < expect; i += 37) REQUIRE(o.events[i] == ref.events[i]);
    TraceReader r(dir.file("cut.kmr"));
    Replay rp(r);
    CHECK(rp.stateAt(expect).sameContent(full_replay.stateAt(expect)));
  }
}

TEST_CASE("a writer that never finished leaves a readable file", "[reader]") {
  TempDir dir;
  std::string path = smallTrace(dir, false);
  TraceReader r(path);
  CHECK(r.truncated());
  CHECK_FALSE(r.hasIndex());
  CHECK(r.eventCount() > 500);  // the destructor wrote the pending chunk
  CHECK(Replay(r).totals().events == r.eventCount());
}

TEST_CASE("every flipped bit gives the right answer or a clear error", "[reader][flip]") {
  TempDir dir;
  bool finish = GENERATE(true, false);
  std::string path = smallTrace(dir, finish, 300);
  Outcome ref;
  readOutcome(path, ref);
  REQUIRE(ref.damage.empty());
  std::vector<uint8_t> bytes = testing::readBytes(path);
  ShadowState ref_end = [&] {
    TraceReader r(path);
    return Replay(r).stateAtFromStart(r.eventCount());
  }();
  size_t same = 0, reported = 0, refused = 0;
  std::string flipped = dir.file("flip.kmr");
  testing::writeBytes(flipped, bytes);
  for (size_t pos = 0; pos < bytes.size(); pos++) {
    if (pos) testing::patchByte(flipped, pos - 1, bytes[pos - 1]);
    testing::patchByte(flipped, pos, bytes[pos] ^ static_cast<uint8_t>(1u << (pos % 8)));
    INFO("byte " << pos << " of " << bytes.size());
    try {
      Outcome o;
      readOutcome(flipped, o);
      TraceReader r(flipped);
      Replay rp(r);
      std::vector<Damage> dmg;
      ShadowState end = rp.stateAt(r.eventCount(), &dmg);
      o.damage.insert(o.damage.end(), dmg.begin(), dmg.end());
      bool identical = o.events.size() == ref.events.size() &&
                       std::equal(o.events.begin(), o.events.end(), ref.events.begin()) &&
                       end.sameContent(ref_end);
      bool index_lost = finish && !r.hasIndex();
      if (!o.damage.empty() || index_lost) {
        reported++;
      } else {
        // Nothing reported: then nothing may differ.
        REQUIRE(identical);
        same++;
      }
    } catch (const Error& e) {
      CHECK(std::string(e.what()).size() > 10);
      refused++;
    }
  }
  INFO("same " << same << ", reported " << reported << ", refused " << refused);
  CHECK(reported > bytes.size() / 2);  // most bytes are checksummed data
}

TEST_CASE("a damaged chunk becomes a gap and the rest is still read", "[reader]") {
  TempDir dir;
  std::string path = smallTrace(dir, true, 3000);
  TraceReader good(path);
  REQUIRE(good.chunks().size() > 10);
  const ChunkInfo victim = good.chunks()[5];
  std::vector<uint8_t> bytes = testing::readBytes(path);
  bytes[victim.offset + 80 + victim.compressed_size / 2] ^= 0x40;
  testing::writeBytes(dir.file("bad.kmr"), bytes);
  TraceReader r(dir.file("bad.kmr"));
  EventStream s(r);
  Event ev;
  uint64_t n = 0, gaps = 0;
  while (s.next(ev)) {
    if (ev.kind == EventKind::Gap) {
      gaps++;
      CHECK(ev.gap.chunk == victim.number);
      CHECK(ev.gap.events == victim.count);
    } else {
      n++;
    }
  }
  CHECK(gaps == 1);
  CHECK(n == good.eventCount() - victim.count);
  REQUIRE(s.damage().size() == 1);
  CHECK(s.damage()[0].chunk == victim.number);
  CHECK(s.damage()[0].what.find("chunk 5") != std::string::npos);
  CHECK(s.damage()[0].what.find("checksum") != std::string::npos);
  // Right after the gap the state is unknown; from the next keyframe on it
  // is exact again.
  Replay rp(r), good_rp(good);
  ShadowState after = rp.stateAtFromStart(victim.first_event + victim.count);
  CHECK_FALSE(after.unknownPages().empty());
  for (const KeyframeInfo& k : r.keyframes()) {
    if (k.event_index <= victim.first_event + victim.count) continue;
    CHECK(rp.stateAt(k.event_index + 50).sameContent(good_rp.stateAt(k.event_index + 50)));
    break;
  }
}

TEST_CASE("what is not a trace is refused with a reason", "[reader]") {
  TempDir dir;
  auto expectError = [&](const std::string& path, Error::Code code, const char* text) {
    try {
      TraceReader r(path);
      FAIL("opened");
    } catch (const Error& e) {
      CHECK(e.code() == code);
      CHECK(std::string(e.what()).find(text) != std::string::npos);
    }
  };
  expectError(dir.file("missing.kmr"), Error::Code::Io, "No such file");
  testing::writeBytes(dir.file("empty.kmr"), {});
  expectError(dir.file("empty.kmr"), Error::Code::NotATrace, "empty");
  testing::writeBytes(dir.file("text.kmr"), {'h', 'e', 'l', 'l', 'o', '\n'});
  expectError(dir.file("text.kmr"), Error::Code::NotATrace, "not a kmemrec trace");
  testing::writeBytes(dir.file("z.kmr"), {0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0});
  expectError(dir.file("z.kmr"), Error::Code::NotATrace, "plain zstd");
  expectError(dir.path(), Error::Code::Io, "directory");

  std::vector<uint8_t> b = testing::readBytes(smallTrace(dir));
  b[16] = kFormatVersion + 1;  // written by the next format version,
  b[20] = kFormatVersion + 1;  // which this reader cannot read
  testing::writeBytes(dir.file("next.kmr"), b);
  expectError(dir.file("next.kmr"), Error::Code::Version, "newer");
  b[16] = kOldestFormatRead - 1;  // and one too old
  b[20] = kOldestFormatRead - 1;
  testing::writeBytes(dir.file("old.kmr"), b);
  expectError(dir.file("old.kmr"), Error::Code::Version, "older");
}

TEST_CASE("a file left by a recorder killed before writing its header says so", "[reader]") {
  // kmemrec creates its output before it attaches; SIGKILL before the
  // header was out leaves these (issue 9).  Not "damaged": there never was
  // a trace.
  TempDir dir;
  std::string path = smallTrace(dir);
  std::vector<uint8_t> b = testing::readBytes(path);
  TraceReader whole(path);
  const uint64_t header_end = whole.chunks().front().offset;  // magic + header frame
  for (uint64_t cut : {uint64_t{0}, uint64_t{1}, uint64_t{31}, uint64_t{32}, uint64_t{33},
                       uint64_t{32 + 79}, uint64_t{32 + 80}, header_end - 1}) {
    INFO("cut at " << cut);
    testing::writeBytes(dir.file("cut.kmr"), {b.begin(), b.begin() + static_cast<long>(cut)});
    try {
      TraceReader r(dir.file("cut.kmr"));
      FAIL("opened");
    } catch (const Error& e) {
      CHECK(e.code() == Error::Code::NotATrace);
      CHECK_THAT(e.what(), Catch::Matchers::Contains(
                               "the recorder stopped before writing anything"));
    }
  }
  // With the header whole the file is a trace: cut short, no events.
  testing::writeBytes(dir.file("cut.kmr"), {b.begin(), b.begin() + static_cast<long>(header_end)});
  TraceReader r(dir.file("cut.kmr"));
  CHECK(r.truncated());
  CHECK(r.eventCount() == 0);
}

}  // namespace
}  // namespace kmr
