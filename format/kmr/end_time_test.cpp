// The recording's end time (Index.endMonoNs): the trace spans to when
// recording stopped, not only to its last event; files without the field
// (older writers, or an index written without it) and files without an index
// end at their last event as before.
#include <xxhash.h>

#include <catch2/catch.hpp>

#include "kmr/error.h"
#include "kmr/le_bytes.h"
#include "kmr/reader.h"
#include "kmr/replay.h"
#include "kmr/time_spec.h"
#include "kmr/writer.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using testing::TempDir;

constexpr uint64_t kMs = 1'000'000;
constexpr uint64_t kStart = 1'000'000'000;  // sampleHeader().start_mono_ns
constexpr uint64_t kLast = kStart + 5 * kMs;
constexpr uint64_t kStop = kStart + 1000 * kMs;

// Three pages faulted in at 1, 2 and 5 ms; end time as given (0 = none).
// Without finish the writer's destructor leaves a file without index.
void writeTrace(const std::string& path, uint64_t end_ns, bool finish = true) {
  TraceHeader h = testing::sampleHeader();
  REQUIRE(h.start_mono_ns == kStart);
  TraceWriter w(path, h);
  uint64_t entries[3];
  for (uint64_t i = 0; i < 3; i++) {
    entries[i] = KMR_PTE_MAKE(0x1000 + i, KMR_PTE_PRESENT);
    uint64_t t = kStart + (i == 2 ? 5 : i + 1) * kMs;
    w.append(makePte(i + 1, t, KMR_PTE_CAUSE_FAULT, 0x400000 + i * 4096, 12,
                     std::span<const uint64_t>(&entries[i], 1)));
  }
  if (end_ns) w.setEndTime(end_ns);
  if (finish) w.finish();
}

Instant at(const Replay& rp, const char* spec) { return resolveTime(parseTimeSpec(spec), rp); }

bool outside(const Replay& rp, const char* spec) {
  try {
    at(rp, spec);
    return false;
  } catch (const Error& e) {
    return e.code() == Error::Code::Range;
  }
}

// Rewrites the index so its root struct has no data section, exactly as a
// writer from before Index.endMonoNs laid it out (the data word stays in
// the message, unreferenced), and fixes the index checksum.
void dropEndTimeField(const std::string& path) {
  TraceReader r(path);
  REQUIRE(r.hasIndex());
  uint64_t ioff = r.fileSize() - r.indexBytes();  // index frame, then seek table
  std::vector<uint8_t> b = testing::readBytes(path);
  uint8_t* frame = b.data() + ioff;
  uint64_t payload_size = detail::loadLe64(frame + 16);
  uint8_t* payload = frame + 32;
  // Single segment: 8-byte segment table, then the root struct pointer:
  // bits 2-31 offset (words), 32-47 data words, 48-63 pointer words.
  REQUIRE(detail::loadLe32(payload) == 0);
  uint64_t ptr = detail::loadLe64(payload + 8);
  REQUIRE((ptr & 3) == 0);
  uint64_t offset = (ptr >> 2) & 0x3fffffff, data_words = (ptr >> 32) & 0xffff;
  REQUIRE(data_words == 1);  // endMonoNs is the Index's only data field
  ptr = ((offset + 1) << 2) | (ptr & 0xffff000000000000ull);  // skip the data word
  detail::storeLe64(payload + 8, ptr);
  detail::storeLe64(frame + 24, XXH64(payload, payload_size, 0));
  testing::writeBytes(path, b);
}

TEST_CASE("a trace spans to its end time; the state holds after the last event", "[endtime]") {
  TempDir dir;
  std::string path = dir.file("t.kmr");
  writeTrace(path, kStop);
  TraceReader r(path);
  Replay rp(r);
  REQUIRE(r.hasIndex());
  CHECK(r.lastEventNs() == kLast);
  CHECK(r.recordingEndNs() == kStop);
  CHECK(r.endNs() == kStop);
  REQUIRE(rp.eventCount() == 3);

  // 0.5 s is after the last event but before recording stopped: the state
  // after every event, not an error.
  Instant half = at(rp, "0.5s");
  CHECK(half.mono_ns == kStart + 500 * kMs);
  CHECK(half.position == 3);
  ShadowState s = rp.stateAt(half.position);
  CHECK(s.pages().presentPages() == 3);
  CHECK(s.sameContent(rp.stateAt(rp.eventCount())));
  CHECK(at(rp, ("mono:" + std::to_string(kStart + 500 * kMs)).c_str()).position == 3);
  // Before the last event nothing changed either: only two pages yet.
  Instant early = at(rp, "3ms");
  CHECK(early.position == 2);
  CHECK(rp.stateAt(early.position).pages().presentPages() == 2);
  // The span's end is the end time: end, 100 %, 1 s; past it is outside.
  CHECK(at(rp, "end").mono_ns == kStop);
  CHECK(at(rp, "100%").mono_ns == kStop);
  CHECK(at(rp, "50%").mono_ns == kStart + 500 * kMs);
  CHECK(at(rp, "1s").position == 3);
  CHECK(outside(rp, "1.000001s"));
  CHECK(outside(rp, ("mono:" + std::to_string(kStop + 1)).c_str()));
}

TEST_CASE("without an end time the trace ends at its last event, as before", "[endtime]") {
  TempDir dir;
  std::string path = dir.file("t.kmr");
  SECTION("written without setEndTime") { writeTrace(path, 0); }
  SECTION("an index from before the field (no data section)") {
    writeTrace(path, kStop);
    dropEndTimeField(path);
  }
  SECTION("a writer that never finished (no index)") { writeTrace(path, kStop, false); }
  SECTION("an end time before the last event") { writeTrace(path, kStart + 1 * kMs); }
  TraceReader r(path);
  Replay rp(r);
  CHECK(r.damage().empty());
  CHECK(r.lastEventNs() == kLast);
  CHECK(r.endNs() == kLast);
  if (r.recordingEndNs() != 0) CHECK(r.recordingEndNs() < kLast);
  REQUIRE(rp.eventCount() == 3);
  CHECK(outside(rp, "0.5s"));
  CHECK(outside(rp, ("mono:" + std::to_string(kStart + 500 * kMs)).c_str()));
  CHECK(at(rp, "end").mono_ns == kLast);
  CHECK(at(rp, "100%").mono_ns == kLast);
  CHECK(at(rp, "5ms").position == 3);
}

TEST_CASE("the old-layout index still serves the file", "[endtime]") {
  TempDir dir;
  std::string path = dir.file("t.kmr");
  writeTrace(path, kStop);
  dropEndTimeField(path);
  TraceReader r(path);
  CHECK(r.hasIndex());  // the patched index is valid, just older
  CHECK_FALSE(r.truncated());
  CHECK(r.recordingEndNs() == 0);
  REQUIRE(r.indexTotals());
  CHECK(r.indexTotals()->events == 3);
}

}  // namespace
}  // namespace kmr
