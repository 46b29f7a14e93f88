// LifeTracker: a hand-written life story, and on every kmemsynth pattern the
// per-life resident counts against a page-by-page count of the shadow state.
#include <catch2/catch.hpp>

#include <deque>
#include <map>

#include "tests/support/trace_edit.h"
#include "kmr/writer.h"
#include "tests/support/test_support.h"
#include "vma_life.h"

using namespace kmr;
using namespace kmr::replayer;

namespace {

constexpr uint64_t P = 4096;
constexpr uint32_t kRw = KMR_VM_READ | KMR_VM_WRITE;
constexpr uint32_t kAnonPte = KMR_PTE_PRESENT | KMR_PTE_WRITE | KMR_PTE_ANON;

// Builds a trace event by event (owning the payloads) and writes it.
struct Script {
  std::vector<Event> evs;
  std::deque<std::string> texts;
  std::deque<std::vector<uint64_t>> entries;
  uint64_t seq = 0, t = 1'000'000'000;
  uint64_t pfn = 0x1000;

  Event& push(Event e) {
    e.seq = ++seq;
    e.time_ns = t += 1000;
    evs.push_back(e);
    return evs.back();
  }
  void window(uint32_t cause, uint64_t s, uint64_t e, const std::vector<Vma>& vmas) {
    uint64_t sync = seq + 1;
    push(makeVmaSync(0, 0, cause, s, e, static_cast<uint32_t>(vmas.size())));
    for (const Vma& v : vmas) {
      texts.push_back(v.name);
      push(makeVma(0, 0, v.flags, {sync, v.start, v.end, v.pgoff, v.ino, v.dev, v.vm_flags},
                   texts.back()));
    }
  }
  void pages(uint64_t vaddr, unsigned n, uint32_t cause = KMR_PTE_CAUSE_FAULT) {
    std::vector<uint64_t> e;
    for (unsigned i = 0; i < n; i++) e.push_back(KMR_PTE_MAKE(pfn++, kAnonPte));
    entries.push_back(e);
    push(makePte(0, 0, cause, vaddr, 12, entries.back()));
  }
  void unmap(uint64_t s, uint64_t e, uint32_t reason) { push(makePteUnmap(0, 0, reason, s, e)); }
  void fault(uint64_t vaddr, uint32_t flags) { push(makeFault(0, 0, {vaddr, 0, flags, 1})); }
  std::string write(const kmr::testing::TempDir& dir) {
    std::string path = dir.file("script.kmr");
    TraceWriter w(path, kmr::testing::sampleHeader());
    for (const Event& e : evs) w.append(e);
    w.finish();
    return path;
  }
};

Vma anon(uint64_t s, uint64_t e, uint32_t vm = kRw, uint32_t flags = KMR_VMA_F_ANON) {
  Vma v;
  v.start = s;
  v.end = e;
  v.pgoff = s / P;
  v.vm_flags = vm;
  v.flags = flags;
  return v;
}

Vma file(uint64_t s, uint64_t e, uint64_t pgoff, const std::string& path) {
  Vma v;
  v.start = s;
  v.end = e;
  v.pgoff = pgoff;
  v.ino = 77;
  v.dev = 0x801;
  v.vm_flags = KMR_VM_READ;
  v.flags = KMR_VMA_F_FILE;
  v.name = path;
  return v;
}

struct Run {
  kmr::testing::TempDir dir;
  std::unique_ptr<TraceReader> reader;
  std::unique_ptr<Replay> replay;
  std::unique_ptr<ShadowState> state;
  std::unique_ptr<LifeTracker> tracker;

  explicit Run(const std::string& path) {
    reader = std::make_unique<TraceReader>(path);
    replay = std::make_unique<Replay>(*reader);
    state = std::make_unique<ShadowState>();
    tracker = std::make_unique<LifeTracker>(reader->startNs());
    tracker->begin(*state, reader->startNs());
  }
  void to(uint64_t p) { replay->run(*state, p, tracker.get(), true); }
  const VmaLife* named(const std::string& name) const {
    for (const VmaLife& l : tracker->lives())
      if (tracker->names().str(l.name) == name) return &l;
    return nullptr;
  }
};

// Every present page counted against the life holding it, and every VMA
// covered by lives.  (kmemsynth sends munmap's window before its PTE
// unmap, so pages outside every VMA exist for a moment; they belong to no
// life.)
void checkConsistent(const ShadowState& s, const LifeTracker& t) {
  std::map<uint32_t, uint64_t> count;
  uint64_t orphans = 0;
  s.pages().forEachRun([&](const PageRun& r) {
    for (uint64_t i = 0; i < r.pages; i++) {
      const VmaLife* l = t.lifeAt((r.vpn + i) * P);
      if (l) count[l->id]++;
      else if (s.vmas().find((r.vpn + i) * P)) orphans++;
    }
  });
  CHECK(orphans == 0);
  CHECK(t.presentPages() == s.pages().presentPages());
  for (const VmaLife& l : t.lives()) {
    if (!l.alive()) continue;
    INFO("life " << l.id << " " << t.names().str(l.name) << " " << std::hex << l.start);
    CHECK(l.resident == count[l.id]);
    CHECK(l.peak_resident >= l.resident);
  }
  for (const auto& [start, v] : s.vmas()) {
    INFO(std::hex << v.start << "-" << v.end);
    CHECK(t.lifeAt(v.start) != nullptr);
    CHECK(t.lifeAt(v.end - 1) != nullptr);
  }
}

}  // namespace

TEST_CASE("lives: a mapping's life through protect, move, grow, partial unmap and exit") {
  Script sc;
  const uint64_t heap = 0x1000000, lib = 0x7f0000000000, A = 0x7e0000000000,
                 B = 0x7d0000000000;
  sc.push(makeSnapshot(0, 0, false, KMR_SNAP_START, {0, 0, 1, 0, 0}));
  sc.window(KMR_VMA_CAUSE_SNAPSHOT, 0, 1ull << 47,
            {anon(heap, heap + 33 * P, kRw, KMR_VMA_F_ANON | KMR_VMA_F_HEAP),
             file(lib, lib + 40 * P, 0, "/lib/libc.so.6"), anon(lib + 40 * P, lib + 42 * P)});
  sc.pages(heap, 3, KMR_PTE_CAUSE_SNAPSHOT);
  sc.push(makeSnapshot(0, 0, true, KMR_SNAP_START, {0, 0, 1, 3, 3}));
  // mmap 16 pages, write 4 of them
  sc.window(KMR_VMA_CAUSE_MMAP, A, A + 16 * P, {anon(A, A + 16 * P)});
  for (int i = 0; i < 4; i++) {
    sc.pages(A + i * P, 1);
    sc.fault(A + i * P, KMR_FAULT_WRITE | KMR_FAULT_USER);
  }
  // mprotect the second half read-only
  Vma ro = anon(A + 8 * P, A + 16 * P, KMR_VM_READ);
  ro.pgoff = A / P + 8;
  sc.window(KMR_VMA_CAUSE_MPROTECT, A + 8 * P, A + 16 * P, {ro});
  // mremap the first half to B (destination window, then source window)
  Vma moved = anon(B, B + 8 * P);
  moved.pgoff = A / P;
  sc.unmap(A, A + 8 * P, KMR_UNMAP_MUNMAP);
  sc.pages(B, 4, KMR_PTE_CAUSE_MREMAP);
  sc.window(KMR_VMA_CAUSE_MREMAP, B, B + 8 * P, {moved});
  sc.window(KMR_VMA_CAUSE_MREMAP, A, A + 8 * P, {});
  // brk grows the heap by 16 pages
  sc.window(KMR_VMA_CAUSE_BRK, heap, heap + 49 * P,
            {anon(heap, heap + 49 * P, kRw, KMR_VMA_F_ANON | KMR_VMA_F_HEAP)});
  // unmap the read-only half
  sc.window(KMR_VMA_CAUSE_MUNMAP, A + 8 * P, A + 16 * P, {});
  sc.push(makeCow(0, 0, {B, 1, 2, 1, 0}));
  sc.unmap(0, 1ull << 47, KMR_UNMAP_RELEASE);
  sc.push(makeExit(0, 0, 0));

  kmr::testing::TempDir dir;
  Run run(sc.write(dir));
  run.to(run.reader->eventCount());
  const auto& lives = run.tracker->lives();
  REQUIRE(lives.size() == 4);
  const VmaLife* h = run.named("[heap]");
  const VmaLife* libc = run.named("/lib/libc.so.6");
  REQUIRE(h);
  REQUIRE(libc);
  CHECK(h->kind == LifeKind::Heap);
  CHECK(h->origin == LifeOrigin::Start);
  CHECK(h->grows == 1);
  CHECK(h->max_pages == 49);
  CHECK(h->peak_resident == 3);
  CHECK(h->final_resident == 3);
  CHECK(h->end_how == LifeEnd::Exit);
  CHECK(libc->kind == LifeKind::File);
  const VmaLife* bss = nullptr;
  const VmaLife* buf = nullptr;
  for (const VmaLife& l : lives) {
    if (l.kind == LifeKind::Anon && l.origin == LifeOrigin::Start) bss = &l;
    if (l.origin == LifeOrigin::Mapped) buf = &l;
  }
  REQUIRE(bss);
  REQUIRE(buf);
  CHECK(run.tracker->names().str(bss->after) == "/lib/libc.so.6");
  CHECK(buf->start == A);
  CHECK(buf->pages() == 16);
  CHECK(buf->protects == 1);
  CHECK(buf->moves == 1);
  CHECK(buf->counts.faults == 4);
  CHECK(buf->counts.write == 4);
  CHECK(buf->counts.first_touch == 4);
  CHECK(buf->counts.cow == 1);
  CHECK(buf->peak_resident == 4);
  CHECK(buf->final_resident == 4);  // held at B when the process exited
  CHECK(buf->end_how == LifeEnd::Exit);
  CHECK(buf->first_touch_ns > buf->created_ns);
  CHECK(buf->last_touch_ns > buf->first_touch_ns);
  CHECK(run.tracker->totals().peak_present == 7);
}

TEST_CASE("lives: an munmap ends a life; its final resident is 0") {
  Script sc;
  const uint64_t A = 0x7e0000000000;
  sc.push(makeSnapshot(0, 0, false, KMR_SNAP_START, {0, 0, 1, 0, 0}));
  sc.window(KMR_VMA_CAUSE_SNAPSHOT, 0, 1ull << 47, {});
  sc.push(makeSnapshot(0, 0, true, KMR_SNAP_START, {0, 0, 1, 0, 0}));
  sc.window(KMR_VMA_CAUSE_MMAP, A, A + 4 * P, {anon(A, A + 4 * P)});
  sc.pages(A, 2);
  sc.unmap(A, A + 4 * P, KMR_UNMAP_MUNMAP);
  sc.window(KMR_VMA_CAUSE_MUNMAP, A, A + 4 * P, {});
  sc.window(KMR_VMA_CAUSE_MMAP, A, A + 4 * P, {anon(A, A + 4 * P)});
  kmr::testing::TempDir dir;
  Run run(sc.write(dir));
  run.to(run.reader->eventCount());
  const auto& lives = run.tracker->lives();
  REQUIRE(lives.size() == 2);
  CHECK(lives[0].end_how == LifeEnd::Unmapped);
  CHECK(lives[0].peak_resident == 2);
  CHECK(lives[0].final_resident == 0);
  CHECK(lives[1].alive());
  CHECK(run.tracker->lifeAt(A)->id == 1);
}

TEST_CASE("lives: resident pages per life agree with the shadow state, page by page") {
  kmr::testing::TempDir dir;
  for (auto p : {synth::Pattern::Churn, synth::Pattern::Fork, synth::Pattern::Random,
                 synth::Pattern::Seq}) {
    for (bool lost : {false, true}) {
      std::string path = dir.file("t.kmr");
      synth::SynthOptions o;
      o.pattern = p;
      o.events = 40000;
      o.seed = 9;
      o.lost = lost;
      o.exec = p == synth::Pattern::Churn;
      o.exit = false;
      synth::writeTrace(o, path);
      INFO(synth::patternName(p) << (lost ? " with LOST" : ""));
      Run run(path);
      uint64_t n = run.reader->eventCount();
      for (uint64_t k = 1; k <= 8; k++) {
        uint64_t target = n * k / 8;
        run.to(target);
        // An mremap half may be held back a few events: step past it.
        while (!run.state->canKeyframe() && run.state->applied() < n)
          run.to(run.state->applied() + 1);
        // Lost records leave the state unknown until the resync snapshot.
        if (!run.state->unknownPages().empty() || !run.state->unknownVmas().empty() ||
            run.tracker->inSnapshot())
          continue;
        INFO("at event " << run.state->applied());
        checkConsistent(*run.state, *run.tracker);
      }
    }
  }
}
