#include "tests/support/trace_edit.h"

#include <unordered_map>

#include "kmr/reader.h"
#include "kmr/writer.h"

namespace kmr::testing {

void synthTrace(const std::string& path, synth::Pattern p, uint64_t events, uint64_t seed,
                uint64_t base) {
  synth::SynthOptions o;
  o.pattern = p;
  o.events = events;
  o.seed = seed;
  o.base = base;
  synth::writeTrace(o, path);
}

uint64_t addFaults(const std::string& in, const std::string& out, uint64_t lo, uint64_t hi,
                   uint64_t extra) {
  TraceReader r(in);
  TraceWriter w(out, r.header());
  EventStream es(r);
  Event ev;
  uint64_t seq = 0, added = 0;
  std::unordered_map<uint64_t, uint64_t> windows;  // old VMA_SYNC seq -> new
  while (es.next(ev)) {
    uint64_t old = ev.seq;
    ev.seq = ++seq;
    if (ev.kind == EventKind::VmaSync) windows[old] = ev.seq;
    if (ev.kind == EventKind::Vma) {
      auto it = windows.find(ev.vma.sync_seq);
      if (it != windows.end()) ev.vma.sync_seq = it->second;
    }
    w.append(ev);
    if (ev.kind == EventKind::Fault && ev.fault.vaddr >= lo && ev.fault.vaddr < hi &&
        added < extra) {
      ev.seq = ++seq;
      w.append(ev);
      added++;
    }
  }
  w.setEndTime(r.recordingEndNs());
  w.finish();
  return added;
}

void slideRegions(const std::string& in, const std::string& out, const std::vector<Slide>& slides) {
  auto delta = [&](uint64_t a) -> int64_t {
    for (const Slide& s : slides)
      if (a >= s.lo && a < s.hi) return s.delta;
    return 0;
  };
  auto mv = [&](uint64_t& a, int64_t d) { a = static_cast<uint64_t>(static_cast<int64_t>(a) + d); };
  TraceReader r(in);
  TraceWriter w(out, r.header());
  EventStream es(r);
  Event ev;
  while (es.next(ev)) {
    int64_t d;
    switch (ev.kind) {
      case EventKind::VmaSync:
        d = delta(ev.vma_sync.start);
        mv(ev.vma_sync.start, d);
        mv(ev.vma_sync.end, d);
        break;
      case EventKind::Vma:
        d = delta(ev.vma.start);
        mv(ev.vma.start, d);
        mv(ev.vma.end, d);
        if (ev.vma.ino == 0 && ev.vma.pgoff != 0) mv(ev.vma.pgoff, d / 4096);
        break;
      case EventKind::Pte: mv(ev.pte.vaddr, delta(ev.pte.vaddr)); break;
      case EventKind::PteUnmap:
        d = delta(ev.pte_unmap.start);
        mv(ev.pte_unmap.start, d);
        mv(ev.pte_unmap.end, d);
        break;
      case EventKind::Cow: mv(ev.cow.vaddr, delta(ev.cow.vaddr)); break;
      case EventKind::Fault:
        mv(ev.fault.vaddr, delta(ev.fault.vaddr));
        if (ev.fault.ip) mv(ev.fault.ip, delta(ev.fault.ip));
        break;
      case EventKind::MemWrite: mv(ev.mem_write.vaddr, delta(ev.mem_write.vaddr)); break;
      case EventKind::PageData: mv(ev.page_data.vaddr, delta(ev.page_data.vaddr)); break;
      default: break;
    }
    w.append(ev);
  }
  w.setEndTime(r.recordingEndNs());
  w.finish();
}

}  // namespace kmr::testing
