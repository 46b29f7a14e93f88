// recorder_bench: recorder CPU time per million events, without the kernel.
//
// Events come from a recorded trace (--trace, e.g. one kmemrec made of the
// fault-heavy target in the guest) or from kmemsynth's patterns; they are
// encoded as ring records once (record_encode.h), then a producer thread
// replays them --repeat times into per-CPU rings laid out per abi.h (seq,
// time and VMA sync_seq shifted per round so the stream stays valid), while
// the main thread drains exactly as kmemrec does (Consumer -> BatchSink) and
// the writer thread encodes and compresses into a .kmr file.
//
// Reported: events, wall time, recorder CPU (drain + writer threads; the
// producer's own CPU is excluded), CPU per million events, file size and
// bytes per event, and the recorder's own anonymous memory (peak RssAnon
// minus the pre-encoded input).
#include <CLI/CLI.hpp>
#include <sched.h>
#include <sys/resource.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <optional>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "batch_sink.h"
#include "drain.h"
#include "fake_rings.h"
#include "kmr/reader.h"
#include "merge.h"
#include "record_encode.h"
#include "synth/synth.h"
#include "writer_thread.h"

using namespace kmr;
using namespace kmr::recorder;

namespace {

double threadCpu() {
  timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

double processCpu() {
  rusage ru;
  getrusage(RUSAGE_SELF, &ru);
  return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
         ru.ru_stime.tv_usec / 1e6;
}

uint64_t rssAnon() {
  FILE* f = std::fopen("/proc/self/status", "re");
  char line[256];
  unsigned long long kb = 0;
  while (f && std::fgets(line, sizeof(line), f))
    if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) break;
  if (f) std::fclose(f);
  return kb * 1024;
}

// The input, encoded once: records back to back, 8-byte aligned.
// With @fold, a FAULT followed by the one-page PTE it set becomes one PTE
// record with KMR_PTE_F_FAULT, as the module (ABI 3) sends the common
// fault; seqs are renumbered densely (VMA sync_seq follows), and
// `events` counts the events the trace gets (two per folded record).
struct Input {
  std::vector<uint64_t> words;
  uint64_t events = 0;   // trace events
  uint64_t records = 0;  // ring records
  uint64_t last_seq = 0;
  uint64_t span_ns = 0;
  uint64_t first_ns = 0;
  bool fold = false;
  std::optional<Event> held;  // a FAULT or one-page PTE that may pair with the next
  uint64_t held_entry = 0;
  std::vector<uint64_t> seq_map;       // old seq -> new (fold only)
  uint64_t seq = 0;

  uint64_t* put(size_t size) {
    size_t at = words.size();
    words.resize(at + size / 8);
    return words.data() + at;
  }
  void addRecord(Event ev) {
    if (fold) {
      if (seq_map.size() <= ev.seq) seq_map.resize(ev.seq + 1);
      seq_map[ev.seq] = ++seq;
      ev.seq = seq;
      if (ev.kind == EventKind::Vma && ev.vma.sync_seq < seq_map.size())
        ev.vma.sync_seq = seq_map[ev.vma.sync_seq];
    }
    size_t size = recordSize(ev);
    if (!size) return;
    encodeRecord(ev, put(size), size);
    count(ev, 1);
  }
  void count(const Event& ev, unsigned n) {
    if (!events) first_ns = ev.time_ns;
    events += n;
    records++;
    last_seq = ev.seq;
    span_ns = ev.time_ns - first_ns;
  }
  // One record for @p (one 4 KiB entry) and the FAULT @f it carries.
  void addFolded(Event p, const Event& f) {
    if (seq_map.size() <= std::max(p.seq, f.seq)) seq_map.resize(std::max(p.seq, f.seq) + 1);
    seq_map[f.seq] = seq_map[p.seq] = ++seq;
    p.seq = seq;
    size_t size = recordSize(p) + sizeof(kmr_fault_info);
    uint64_t* out = put(size);
    encodeRecord(p, out, size);
    auto* r = reinterpret_cast<kmr_ev_pte*>(out);
    r->h.size = static_cast<uint16_t>(size);
    r->h.flags |= KMR_PTE_F_FAULT;
    kmr_fault_info fi{f.fault.vaddr, f.fault.ip, f.fault.fault_flags, f.fault.tid};
    std::memcpy(reinterpret_cast<uint8_t*>(out) + size - sizeof(fi), &fi, sizeof(fi));
    count(p, 2);
  }
  static bool foldable(const Event& pte, const Event& f) {
    return pte.kind == EventKind::Pte && f.kind == EventKind::Fault && f.flags == 0 &&
           pte.entries.size() == 1 && pte.pte.shift == 12 &&
           pte.pte.vaddr == (f.fault.vaddr & ~uint64_t(4095)) &&
           !(pte.flags & ~KMR_PTE_CAUSE_MASK);
  }
  // kmemsynth sends FAULT then its PTE; a trace recorded since ABI 3 has
  // the PTE then the FAULT at the same seq.  Either pair folds.
  void add(const Event& ev) {
    if (!fold) return addRecord(ev);
    if (held) {
      Event h = *held;
      held.reset();
      if (h.kind == EventKind::Fault && foldable(ev, h)) return addFolded(ev, h);
      if (h.kind == EventKind::Pte && foldable(h, ev) && (ev.seq == h.seq || ev.seq == h.seq + 1))
        return addFolded(h, ev);
      addRecord(h);
    }
    if ((ev.kind == EventKind::Fault && ev.flags == 0) ||
        (ev.kind == EventKind::Pte && ev.entries.size() == 1)) {
      held = ev;
      if (ev.kind == EventKind::Pte) {  // its entry lives in the source's buffer
        held_entry = ev.entries[0];
        held->entries = std::span<const uint64_t>(&held_entry, 1);
      }
      return;
    }
    addRecord(ev);
  }
  void end() {
    if (held) addRecord(*held);
    held.reset();
  }
};

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"recorder_bench: kmemrec's userspace path, CPU per million events"};
  std::string trace, pattern = "seq", out = "/tmp/recorder_bench.kmr";
  uint64_t events = 2'000'000, ring_size = 8u << 20;
  unsigned rings = 2, repeat = 3;
  app.add_option("--trace", trace, "events from this .kmr (e.g. recorded in the guest)");
  app.add_option("--pattern", pattern, "kmemsynth pattern when no --trace: seq|random|fork|churn");
  app.add_option("--events", events, "kmemsynth events");
  app.add_option("--repeat", repeat, "replay the input this many times");
  app.add_option("--rings", rings, "per-CPU rings");
  app.add_option("--ring-size", ring_size, "bytes per ring (power of two)");
  app.add_option("-o", out, "trace file to write");
  bool fold = false;
  app.add_flag("--fold", fold,
               "fold each FAULT into the PTE record it set (KMR_PTE_F_FAULT), as the module "
               "sends the common fault since ABI 3");
  CLI11_PARSE(app, argc, argv);

  Input in;
  in.fold = fold;
  std::string source;
  if (!trace.empty()) {
    TraceReader reader(trace);
    EventStream es(reader);
    Event ev;
    while (es.next(ev)) in.add(ev);
    source = trace;
  } else {
    auto p = synth::patternFromName(pattern);
    if (!p) {
      std::fprintf(stderr, "unknown pattern %s\n", pattern.c_str());
      return 2;
    }
    synth::SynthOptions so;
    so.events = events;
    so.pattern = *p;
    synth::Synth s(so);
    std::vector<Event> evs;
    while (s.next(evs, 65536))
      for (const Event& ev : evs) in.add(ev);
    source = "kmemsynth --pattern " + pattern;
  }
  in.end();
  if (!in.events) {
    std::fprintf(stderr, "no events\n");
    return 2;
  }

  test::FakeRings area(rings, ring_size);
  uint64_t anon_before = rssAnon();
  double cpu0 = processCpu();
  double main_cpu0 = threadCpu();  // the input's encoding is not the drain's
  timespec w0;
  clock_gettime(CLOCK_MONOTONIC, &w0);

  std::atomic<bool> produced{false};
  double producer_cpu = 0;
  uint64_t total = in.events * repeat;
  // The producer: the module's role.  Records go to ring (tid-like) chunks
  // of 64 so each ring holds runs, as per-CPU rings do.
  std::thread producer([&] {
    std::vector<uint64_t> rec(KMR_EV_MAX_SIZE / 8 + 1);
    unsigned ring = 0, run = 0;
    for (unsigned r = 0; r < repeat; r++) {
      uint64_t seq_off = r * in.last_seq, t_off = r * (in.span_ns + 1'000'000);
      size_t at = 0;
      while (at < in.words.size()) {
        auto* src = reinterpret_cast<const kmr_event*>(in.words.data() + at);
        uint16_t size = src->size;
        std::memcpy(rec.data(), src, size);
        auto* h = reinterpret_cast<kmr_event*>(rec.data());
        h->seq += seq_off;
        h->time_ns += t_off;
        if (h->kind == KMR_EV_VMA) reinterpret_cast<kmr_ev_vma*>(h)->sync_seq += seq_off;
        while (!area.produceRecord(ring, rec.data(), size)) sched_yield();
        at += size / 8;
        if (++run == 64) {
          run = 0;
          ring = (ring + 1) % rings;
        }
      }
    }
    producer_cpu = threadCpu();
    produced = true;
  });

  uint64_t peak_anon = 0;
  double drain_cpu = 0;
  WriterStats ws;
  {
    TraceHeader h;
    h.pid = 1;
    h.comm = "recorder_bench";
    h.recorder = "recorder_bench";
    TraceWriter writer(out, h);
    BatchQueue q(1u << 20, 4, 24);
    BatchSink sink(q);
    Consumer consumer(area.ctl(), area.data(), kmr::monotonicNs);
    WriterThread wt(writer, q);
    uint64_t last_handover = kmr::monotonicNs(), last_sample = last_handover;
    while (!(produced && consumer.caughtUp())) {
      Consumer::Step s = consumer.step(sink, 16384);
      uint64_t now = kmr::monotonicNs();
      if (now - last_handover > 100'000'000) {
        sink.flush();
        last_handover = now;
      }
      if (now - last_sample > 50'000'000) {
        peak_anon = std::max(peak_anon, rssAnon());
        last_sample = now;
      }
      // Empty rings: kmemrec sleeps in poll() until the module's watermark
      // wakeup; a short sleep stands in for it (spinning would bill the
      // producer's slowness to the recorder).
      if (s.refused || (!s.records && !s.waiting))
        usleep(200);
      else if (s.waiting)
        sched_yield();
    }
    sink.flush();
    drain_cpu = threadCpu() - main_cpu0;
    wt.finish();
    ws = wt.finalStats();
    if (wt.failed() || wt.rejected()) {
      std::fprintf(stderr, "writer: %s %s\n", wt.error().c_str(), wt.firstRejection().c_str());
      return 1;
    }
    if (consumer.gaps() || consumer.late()) {
      std::fprintf(stderr, "merge gaps %llu late %llu\n", (unsigned long long)consumer.gaps(),
                   (unsigned long long)consumer.late());
      return 1;
    }
  }
  producer.join();
  timespec w1;
  clock_gettime(CLOCK_MONOTONIC, &w1);
  double wall = (w1.tv_sec - w0.tv_sec) + (w1.tv_nsec - w0.tv_nsec) / 1e9;
  double cpu = processCpu() - cpu0 - producer_cpu;
  utsname u;
  uname(&u);
  char cpu_model[256] = "?";
  if (FILE* f = std::fopen("/proc/cpuinfo", "re")) {
    char line[512];
    while (std::fgets(line, sizeof(line), f))
      if (std::sscanf(line, "model name : %255[^\n]", cpu_model) == 1) break;
    std::fclose(f);
  }
  std::printf("recorder_bench: %s x%u, %u rings of %llu KiB\n", source.c_str(), repeat, rings,
              (unsigned long long)(ring_size >> 10));
  std::printf("  machine        %s, %ld CPUs, kernel %s\n", cpu_model, sysconf(_SC_NPROCESSORS_ONLN),
              u.release);
  std::printf("  events         %llu (written %llu) from %llu ring records\n",
              (unsigned long long)total, (unsigned long long)ws.events,
              (unsigned long long)(in.records * repeat));
  std::printf("  wall           %.3f s (%.2f M events/s end to end)\n", wall, total / wall / 1e6);
  std::printf("  recorder CPU   %.3f s = %.3f s per million events (%.1f M events/s per core)\n",
              cpu, cpu * 1e6 / total, total / cpu / 1e6);
  std::printf("  of which        drain thread %.3f s (merge + copy), writer thread %.3f s "
              "(translate + encode + zstd)\n",
              drain_cpu, cpu - drain_cpu);
  std::printf("  file           %llu bytes, %.2f B/event, %llu chunks, %llu keyframes\n",
              (unsigned long long)ws.file_bytes, double(ws.file_bytes) / total,
              (unsigned long long)ws.chunks, (unsigned long long)ws.keyframes);
  std::printf("  recorder memory peak anonymous %.1f MiB beyond the input and rings\n",
              (peak_anon > anon_before ? peak_anon - anon_before : 0) / 1048576.0);
  return 0;
}
