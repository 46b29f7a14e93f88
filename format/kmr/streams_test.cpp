// Several processes in one file (format version 3): each stream reads back
// as the one-process trace it would have been, whatever the interleaving,
// truncation or damage; a version-2 file is one stream.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "kmr/error.h"
#include "kmr/file_magic.h"
#include "kmr/reader.h"
#include "kmr/replay.h"
#include "kmr/writer.h"
#include "synth/synth.h"
#include "tests/support/test_support.h"

namespace kmr {
namespace {

using testing::TempDir;

// Copies events (and their payloads) into @list.
void keepEvent(testing::EventList& list, Event ev) {
  if (!ev.entries.empty())
    ev.entries = list.keep(std::vector<uint64_t>(ev.entries.begin(), ev.entries.end()));
  if (!ev.text.empty()) ev.text = list.keep(std::string(ev.text));
  if (!ev.data.empty()) ev.data = list.keepData(std::vector<uint8_t>(ev.data.begin(), ev.data.end()));
  list.events.push_back(ev);
}

// One synthetic process's whole event list.
void generate(synth::Pattern pattern, uint64_t seed, uint64_t events, testing::EventList& out) {
  synth::SynthOptions o;
  o.events = events;
  o.pattern = pattern;
  o.seed = seed;
  o.exec = seed % 2 == 1;
  o.exit_code = static_cast<int32_t>(seed);
  synth::Synth s(o);
  std::vector<Event> batch;
  while (s.next(batch, 1000))
    for (const Event& e : batch) keepEvent(out, e);
}

// Every event of the reader's stream, payloads copied.
void readAll(const TraceReader& r, testing::EventList& out, std::vector<Damage>* damage = nullptr) {
  EventStream s(r);
  Event ev;
  while (s.next(ev)) keepEvent(out, ev);
  if (damage) *damage = s.damage();
}

ProcessInfo child(uint32_t pid, uint32_t parent_pid, uint32_t parent_stream, const char* comm) {
  ProcessInfo p;
  p.pid = pid;
  p.ppid = parent_pid;
  p.parent_stream = parent_stream;
  p.comm = comm;
  p.cmdline = {std::string("/bin/") + comm, "-x"};
  p.binary = std::string("/bin/") + comm;
  p.start_ns = 1'000'000'500;
  return p;
}

WriterOptions smallChunks() {
  WriterOptions w;
  w.chunk_events = 100;
  w.keyframe_min_events = 200;
  w.keyframe_ratio = 1;
  return w;
}

// Three processes written interleaved in random-sized runs.
struct ThreeStreams {
  testing::EventList ev[3];
  std::vector<ProcessInfo> procs;
  std::string path;
  uint64_t file_size = 0;

  explicit ThreeStreams(const TempDir& dir, uint64_t seed = 1, bool finish = true) {
    generate(synth::Pattern::Churn, 1, 1500, ev[0]);
    generate(synth::Pattern::Fork, 2, 1200, ev[1]);
    generate(synth::Pattern::Random, 3, 900, ev[2]);
    path = dir.file("three-" + std::to_string(seed) + ".kmr");
    TraceHeader h = testing::sampleHeader();
    h.ppid = 1;
    TraceWriter w(path, h, smallChunks());
    procs.push_back(rootProcess(h));
    std::mt19937_64 rng(seed);
    size_t next[3] = {0, 0, 0};
    bool declared[3] = {true, false, false};
    while (next[0] < ev[0].events.size() || next[1] < ev[1].events.size() ||
           next[2] < ev[2].events.size()) {
      unsigned s = static_cast<unsigned>(rng() % 3);
      if (next[s] == ev[s].events.size()) continue;
      if (!declared[s]) {
        if (s == 2 && !declared[1]) continue;  // its parent first: stream ids 1, 2
        ProcessInfo p = s == 1 ? child(5000, 4242, 0, "worker") : child(5001, 5000, 1, "grandchild");
        REQUIRE(w.addStream(p) == procs.size());
        p.stream = static_cast<uint32_t>(procs.size());
        procs.push_back(p);
        declared[s] = true;
      }
      uint32_t id = s;
      for (size_t n = 1 + rng() % 150; n && next[s] < ev[s].events.size(); n--)
        w.append(id, ev[s].events[next[s]++]);
    }
    if (finish) w.finish();
    file_size = w.stats().file_bytes;
  }
};

TEST_CASE("three interleaved streams read back as three traces", "[streams]") {
  TempDir dir;
  for (uint64_t seed : {1, 2, 3}) {
    ThreeStreams t(dir, seed);
    TraceReader r(t.path);
    REQUIRE(r.hasIndex());
    REQUIRE(r.header().format_version == kFormatVersion);
    REQUIRE(r.streams().size() == 3);
    for (uint32_t s = 0; s < 3; s++) {
      CAPTURE(seed, s);
      const StreamInfo& si = r.streams()[s];
      REQUIRE(si.process == t.procs[s]);
      REQUIRE(si.declared);
      auto sr = r.openStream(s);
      REQUIRE(sr->stream() == s);
      REQUIRE(sr->header().pid == t.procs[s].pid);
      REQUIRE(sr->header().comm == t.procs[s].comm);
      REQUIRE(sr->header().start_mono_ns == r.header().start_mono_ns);
      testing::EventList got;
      std::vector<Damage> damage;
      readAll(*sr, got, &damage);
      REQUIRE(damage.empty());
      REQUIRE(got.events.size() == t.ev[s].events.size());
      for (size_t i = 0; i < got.events.size(); i++) REQUIRE(got.events[i] == t.ev[s].events[i]);
      REQUIRE(si.events == got.events.size());
      // Per-stream numbering: ordinals from 0, chunks 0, 1, 2 ...
      for (size_t i = 0; i < sr->chunks().size(); i++) {
        REQUIRE(sr->chunks()[i].number == i);
        REQUIRE(sr->chunks()[i].stream == s);
      }
      REQUIRE(!sr->keyframes().empty());
      // The index's facts: what the stream holds.
      REQUIRE(si.facts);
      const StreamFacts& f = *si.facts;
      REQUIRE(f.totals.events == got.events.size());
      REQUIRE(f.totals.last_seq == got.events.back().seq);
      REQUIRE(f.exited);
      REQUIRE(f.exit_code == static_cast<int32_t>(s + 1));
      REQUIRE(f.last_exec.empty() == ((s + 1) % 2 == 0));
      REQUIRE(f.peak_pages > 0);
    }
    REQUIRE(r.verify().empty());
  }
}

TEST_CASE("seeking works per stream", "[streams][seek]") {
  TempDir dir;
  ThreeStreams t(dir, 7);
  TraceReader r(t.path);
  for (uint32_t s = 0; s < 3; s++) {
    auto sr = r.openStream(s);
    Replay rp(*sr);
    uint64_t n = rp.eventCount();
    for (uint64_t p : {uint64_t{0}, n / 7, n / 3, n / 2, n - 1, n}) {
      CAPTURE(s, p);
      std::vector<Damage> damage;
      ShadowState seek = rp.stateAt(p, &damage);
      ShadowState walk = rp.stateAtFromStart(p, &damage);
      REQUIRE(damage.empty());
      REQUIRE(seek.applied() == p);
      REQUIRE(seek.lastSeq() == walk.lastSeq());
      REQUIRE(seek.sameContent(walk));
    }
    // Times resolve within the stream: the position of an event's time is
    // after it.
    for (uint64_t i : {uint64_t{0}, n / 2, n - 1}) {
      uint64_t at = rp.timeOfEvent(i);
      REQUIRE(rp.positionAtTime(at) > i);
    }
  }
}

TEST_CASE("a cut v3 file keeps every stream's whole chunks", "[streams]") {
  TempDir dir;
  ThreeStreams t(dir, 4);
  TraceReader full(t.path);
  auto bytes = testing::readBytes(t.path);
  for (size_t cut : {bytes.size() / 3, bytes.size() / 2, bytes.size() * 4 / 5, bytes.size() - 40}) {
    CAPTURE(cut);
    std::string p = dir.file("cut.kmr");
    testing::writeBytes(p, std::vector<uint8_t>(bytes.begin(), bytes.begin() + static_cast<long>(cut)));
    TraceReader r(p);
    REQUIRE(r.truncated());
    REQUIRE(!r.hasIndex());
    for (uint32_t s = 0; s < 3; s++) {
      CAPTURE(s);
      // Whole chunks of this stream before the cut.
      auto fs = full.openStream(s);
      uint64_t whole = 0;
      for (const ChunkInfo& c : fs->chunks())
        if (c.offset + 80 + c.compressed_size <= cut) whole += c.count;
      if (s >= r.streams().size()) {
        REQUIRE(whole == 0);
        continue;
      }
      auto rs = r.openStream(s);
      REQUIRE(rs->eventCount() == whole);
      if (whole) REQUIRE(r.streams()[s].process == t.procs[s]);
      testing::EventList got;
      std::vector<Damage> damage;
      readAll(*rs, got, &damage);
      REQUIRE(damage.empty());
      REQUIRE(got.events.size() == whole);
      for (size_t i = 0; i < got.events.size(); i++) REQUIRE(got.events[i] == t.ev[s].events[i]);
      // Without the index the facts come from a replay.
      REQUIRE(!r.streams()[s].facts);
      Replay rp(*rs);
      StreamFacts f = rp.facts();
      REQUIRE(f.totals.events == whole);
      if (whole == fs->eventCount()) {
        // Every event is there (only the trailer was cut): the replay finds
        // what the writer put in the index.
        const StreamFacts& w = *full.streams()[s].facts;
        REQUIRE(f.totals == w.totals);
        REQUIRE(f.exited == w.exited);
        REQUIRE(f.exit_code == w.exit_code);
        REQUIRE(f.last_exec == w.last_exec);
        REQUIRE(f.peak_pages > 0);
      }
    }
  }
}

TEST_CASE("a damaged chunk is a gap in its stream only", "[streams]") {
  TempDir dir;
  ThreeStreams t(dir, 5);
  std::string p = dir.file("damaged.kmr");
  auto bytes = testing::readBytes(t.path);
  size_t victim_events = 0;
  {
    TraceReader r(t.path);
    auto s1 = r.openStream(1);
    REQUIRE(s1->chunks().size() > 3);
    const ChunkInfo& c = s1->chunks()[2];
    victim_events = c.count;
    bytes[c.offset + 80 + c.compressed_size / 2] ^= 0xff;
  }
  testing::writeBytes(p, bytes);
  TraceReader r(p);
  REQUIRE(r.verify().size() == 1);
  REQUIRE(r.verify()[0].stream == 1);
  REQUIRE(r.verify()[0].what.find("chunk 2 of pid 5000") != std::string::npos);
  for (uint32_t s = 0; s < 3; s++) {
    CAPTURE(s);
    auto rs = r.openStream(s);
    testing::EventList got;
    std::vector<Damage> damage;
    readAll(*rs, got, &damage);
    if (s != 1) {
      REQUIRE(damage.empty());
      REQUIRE(got.events.size() == t.ev[s].events.size());
      continue;
    }
    REQUIRE(damage.size() == 1);
    size_t gaps = 0;
    for (const Event& e : got.events)
      if (e.kind == EventKind::Gap) {
        gaps++;
        REQUIRE(e.gap.events == victim_events);
      }
    REQUIRE(gaps == 1);
    REQUIRE(got.events.size() == t.ev[s].events.size() - victim_events + 1);
  }
}

TEST_CASE("a damaged process frame: named by verify, its stream still read", "[streams]") {
  TempDir dir;
  ThreeStreams t(dir, 8);
  auto bytes = testing::readBytes(t.path);
  // The first Frame{process} (stream 1): its frame header says kind 4.
  size_t off = 0;
  for (size_t p = 32; p + 80 <= bytes.size(); p++)
    if (bytes[p] == 0x51 && bytes[p + 1] == 0x2A && bytes[p + 2] == 0x4D && bytes[p + 3] == 0x18 &&
        bytes[p + 12] == 4) {
      off = p;
      break;
    }
  REQUIRE(off > 0);
  uint32_t csize = bytes[off + 16] | bytes[off + 17] << 8 | bytes[off + 18] << 16;
  bytes[off + 80 + csize / 2] ^= 0xff;
  std::string p = dir.file("bad-process.kmr");
  testing::writeBytes(p, bytes);
  {
    // With the index: the process is known from it; verify() names the frame.
    TraceReader r(p);
    REQUIRE(r.hasIndex());
    REQUIRE(r.streams()[1].process == t.procs[1]);
    auto bad = r.verify();
    REQUIRE(bad.size() == 1);
    REQUIRE(bad[0].stream == 1);
    REQUIRE(bad[0].what.find("process frame of stream 1") != std::string::npos);
  }
  // Without the index (cut in the trailer): the stream is a placeholder,
  // its events all there.
  std::string cut = dir.file("bad-process-cut.kmr");
  testing::writeBytes(cut, std::vector<uint8_t>(bytes.begin(), bytes.end() - 40));
  TraceReader r(cut);
  REQUIRE(!r.hasIndex());
  REQUIRE(r.streams().size() == 3);
  REQUIRE(!r.streams()[1].declared);
  REQUIRE(r.streams()[1].process.pid == 0);
  REQUIRE(r.streams()[2].process == t.procs[2]);
  REQUIRE(!r.damage().empty());
  testing::EventList got;
  readAll(*r.openStream(1), got);
  REQUIRE(got.events.size() == t.ev[1].events.size());
}

TEST_CASE("a quiet stream's events are written while others write", "[streams]") {
  TempDir dir;
  std::string path = dir.file("idle.kmr");
  testing::EventList busy, quiet;
  generate(synth::Pattern::Seq, 1, 100 * (kIdleChunks + 2), busy);
  generate(synth::Pattern::Seq, 2, 10, quiet);
  WriterOptions o = smallChunks();
  o.chunk_time_ns = UINT64_MAX / 4;  // only the chunk count rule
  TraceWriter w(path, testing::sampleHeader(), o);
  uint32_t q = w.addStream(child(5000, 4242, 0, "quiet"));
  w.append(q, quiet.events[0]);
  w.append(q, quiet.events[1]);
  for (const Event& e : busy.events) w.append(e);
  // Not finished, not flushed: the quiet stream's two events are in the
  // file all the same.
  TraceReader r(path);
  REQUIRE(r.truncated());
  REQUIRE(r.streams().size() == 2);
  REQUIRE(r.openStream(1)->eventCount() == 2);
  w.finish();
}

TEST_CASE("an exited process's last chunk is written at its EXIT", "[streams]") {
  TempDir dir;
  std::string path = dir.file("exited.kmr");
  testing::EventList root, kid;
  generate(synth::Pattern::Seq, 1, 300, root);
  generate(synth::Pattern::Churn, 2, 250, kid);
  REQUIRE(kid.events.back().kind == EventKind::Exit);
  TraceWriter w(path, testing::sampleHeader());  // 64 k events per chunk
  uint32_t k = w.addStream(child(5000, 4242, 0, "kid"));
  for (const Event& e : root.events) {
    if (e.kind == EventKind::Exit) break;
    w.append(e);
  }
  for (const Event& e : kid.events) w.append(k, e);
  // The root is still running (its events wait for a full chunk); the
  // child's are all in the file.
  TraceReader r(path);
  REQUIRE(r.streams().size() == 2);
  REQUIRE(r.eventCount() == 0);
  REQUIRE(r.openStream(1)->eventCount() == kid.events.size());
  w.finish();
  TraceReader done(path);
  REQUIRE(done.eventCount() == root.events.size() - 1);
}

TEST_CASE("flush(stream) writes that stream's chunk only", "[streams]") {
  TempDir dir;
  std::string path = dir.file("flush-one.kmr");
  testing::EventList a, b;
  generate(synth::Pattern::Seq, 1, 300, a);
  generate(synth::Pattern::Seq, 2, 300, b);
  TraceWriter w(path, testing::sampleHeader());
  uint32_t k = w.addStream(child(5000, 4242, 0, "kid"));
  for (size_t i = 0; i < 100; i++) {
    w.append(a.events[i]);
    w.append(k, b.events[i]);
  }
  w.flush(k);
  TraceReader r(path);
  REQUIRE(r.eventCount() == 0);
  REQUIRE(r.openStream(k)->eventCount() == 100);
  REQUIRE_THROWS_AS(w.flush(7), Error);
  w.flush();
  TraceReader all(path);
  REQUIRE(all.eventCount() == 100);
  w.finish();
}

TEST_CASE("the writer refuses unknown streams and parents", "[streams]") {
  TempDir dir;
  testing::EventList ev;
  generate(synth::Pattern::Seq, 1, 50, ev);
  TraceWriter w(dir.file("bad.kmr"), testing::sampleHeader());
  REQUIRE_THROWS_AS(w.append(1, ev.events[0]), Error);
  REQUIRE_THROWS_AS(w.addStream(child(5000, 4242, 3, "orphan")), Error);
  REQUIRE(w.addStream(child(5000, 4242, 0, "ok")) == 1);
  REQUIRE(w.streamCount() == 2);
  w.append(1, ev.events[0]);
  w.finish();
  REQUIRE_THROWS_AS(w.addStream(child(5001, 4242, 0, "late")), Error);
}

TEST_CASE("a version-2 file reads as one stream", "[streams]") {
  TraceReader r(KMR_CLI_FIXTURES "/seq.kmr");
  REQUIRE(r.header().format_version == 2);
  REQUIRE(r.hasIndex());
  REQUIRE(r.streams().size() == 1);
  REQUIRE(r.stream() == 0);
  REQUIRE(r.streams()[0].process.pid == r.header().pid);
  REQUIRE(!r.streams()[0].facts);
  REQUIRE(r.eventCount() == 2000);
  REQUIRE(r.streams()[0].events == 2000);
  REQUIRE(r.verify().empty());
  Replay rp(r);
  StreamFacts f = rp.facts();
  REQUIRE(f.totals == *r.indexTotals());
  REQUIRE(f.exited);
  REQUIRE(f.peak_pages > 0);
  REQUIRE_THROWS_AS(r.openStream(1), Error);
}

TEST_CASE("a version-3 file still reads", "[streams]") {
  TraceReader r(KMR_CLI_FIXTURES "/tree.kmr");
  REQUIRE(r.header().format_version == 3);
  REQUIRE(r.streams().size() == 4);
  REQUIRE(r.verify().empty());
  for (uint32_t id = 0; id < 4; id++) {
    auto s = r.openStream(id);
    Replay rp(*s);
    StreamFacts f = rp.facts();
    CHECK(f.totals.events == s->eventCount());
  }
}

TEST_CASE("a v4 file's magic keeps older readers out", "[streams]") {
  TempDir dir;
  ThreeStreams t(dir, 6);
  auto b = testing::readBytes(t.path);
  REQUIRE(b[16] == 4);  // written by version 4
  REQUIRE(b[20] == 4);  // oldest reader: 4 (FAULT-of-PTE rows; older readers refuse it by name)
}

TEST_CASE("kmemsynth's process tree", "[streams][synth]") {
  TempDir dir;
  synth::SynthOptions o;
  o.events = 4000;
  o.pattern = synth::Pattern::Fork;
  o.processes = 5;
  std::string path = dir.file("tree.kmr");
  synth::writeTrace(o, path, smallChunks());
  TraceReader r(path);
  REQUIRE(r.streams().size() == 5);
  REQUIRE(r.verify().empty());
  std::map<uint32_t, uint32_t> stream_of_pid;
  for (const StreamInfo& s : r.streams()) stream_of_pid[s.process.pid] = s.process.stream;
  for (const StreamInfo& s : r.streams()) {
    const ProcessInfo& p = s.process;
    CAPTURE(p.stream, p.pid);
    REQUIRE(s.facts);
    REQUIRE(s.facts->exited);
    if (p.stream == 0) {
      REQUIRE(!p.parent_stream);
      continue;
    }
    // Its parent's stream has the FORK naming it, before the child starts.
    REQUIRE(p.parent_stream);
    REQUIRE(r.streams()[*p.parent_stream].process.pid == p.ppid);
    auto parent = r.openStream(*p.parent_stream);
    EventStream es(*parent);
    Event ev;
    bool forked = false;
    uint64_t prev_seq = 0;
    while (es.next(ev)) {
      REQUIRE(ev.seq == prev_seq + 1);  // dense per stream, forks included
      prev_seq = ev.seq;
      if (ev.kind == EventKind::Fork && ev.fork.child_pid == p.pid) {
        forked = true;
        REQUIRE(ev.time_ns == p.start_ns);
      }
    }
    REQUIRE(forked);
    auto self = r.openStream(p.stream);
    REQUIRE(self->chunks().front().min_ns >= p.start_ns);
  }
  // Process 3 is the root's grandchild.
  const ProcessInfo& g = r.streams()[stream_of_pid[o.pid + 3000]].process;
  REQUIRE(g.ppid == o.pid + 1000);
}

}  // namespace
}  // namespace kmr
