#include "kmr/replay.h"

#include <algorithm>
#include <array>

#include "kmr/error.h"

namespace kmr {
namespace {
// Events decoded per call: amortizes the calls, stays in L1/L2.
constexpr size_t detail_batch = 256;
}  // namespace

Replay::Replay(const TraceReader& reader) : reader_(reader) {
  uint64_t m = 0;
  for (const ChunkInfo& c : reader.chunks()) {
    if (!c.unreadable) m = std::max(m, c.max_ns);
    prefix_max_ns_.push_back(m);
  }
}

size_t Replay::chunkAt(uint64_t ordinal) const {
  const auto& chunks = reader_.chunks();
  auto it = std::upper_bound(chunks.begin(), chunks.end(), ordinal,
                             [](uint64_t o, const ChunkInfo& c) { return o < c.first_event; });
  if (it == chunks.begin()) return 0;
  return static_cast<size_t>(it - chunks.begin()) - 1;
}

uint64_t Replay::positionAtTime(uint64_t t) const {
  const auto& chunks = reader_.chunks();
  auto it = std::upper_bound(prefix_max_ns_.begin(), prefix_max_ns_.end(), t);
  if (it == prefix_max_ns_.end()) return eventCount();
  size_t i = static_cast<size_t>(it - prefix_max_ns_.begin());
  const ChunkInfo& c = chunks[i];
  ChunkEvents events;
  try {
    reader_.loadChunk(i, events);
    Event ev;
    uint64_t ordinal = c.first_event;
    while (events.next(ev)) {
      if (ev.time_ns > t) return ordinal;
      ordinal++;
    }
  } catch (const Error& e) {
    // The chunk holding the instant is damaged: the best position known
    // is its start.
    seen_.push_back({c.offset, c.number, e.what()});
  }
  return c.first_event;
}

uint64_t Replay::timeOfEvent(uint64_t ordinal) const {
  const auto& chunks = reader_.chunks();
  if (ordinal >= eventCount())
    throw Error(Error::Code::Range, "event " + std::to_string(ordinal) + " is not in the trace");
  size_t i = chunkAt(ordinal);
  const ChunkInfo& c = chunks[i];
  ChunkEvents events;
  try {
    reader_.loadChunk(i, events);
    Event ev;
    uint64_t o = c.first_event;
    while (events.next(ev)) {
      if (o == ordinal) return ev.time_ns;
      o++;
    }
  } catch (const Error& e) {
    seen_.push_back({c.offset, c.number, e.what()});
  }
  return c.min_ns;
}

void Replay::run(ShadowState& state, uint64_t to, EventVisitor* v, bool want_ops,
                 std::vector<Damage>* damage) const {
  uint64_t from = state.applied();
  if (to > eventCount()) to = eventCount();
  if (from >= to && !(v && to == eventCount())) return;
  std::vector<VmaOp> ops;
  std::vector<VmaOp>* opsp = want_ops ? &ops : nullptr;
  if (from < to) {
    EventStream stream(reader_, chunkAt(from));
    std::array<Event, detail_batch> batch;
    uint64_t pos = stream.position();
    while (pos < to) {
      size_t n = stream.nextBatch(batch);
      if (n == 0) break;
      for (size_t i = 0; i < n && pos < to; i++) {
        const Event& ev = batch[i];
        uint64_t ordinal = pos;
        pos += ev.kind == EventKind::Gap ? ev.gap.events : 1;
        if (ordinal < from) continue;
        if (!v) {
          state.apply(ev, opsp);
          continue;
        }
        ops.clear();
        state.apply(ev, opsp);
        v->onEvent(ev, ordinal, state, ops);
        if (v->done()) return;
      }
    }
    if (damage)
      damage->insert(damage->end(), stream.damage().begin(), stream.damage().end());
  }
  if (to == eventCount()) {
    ops.clear();
    state.flushHeld(opsp);
    if (v) v->onEnd(state, ops);
  }
}

ShadowState Replay::stateAtFromStart(uint64_t p, std::vector<Damage>* damage) const {
  const TraceHeader& h = reader_.header();
  ShadowState s(h.range_start, h.range_end);
  run(s, p, nullptr, false, damage);
  return s;
}

ShadowState Replay::stateAt(uint64_t p, std::vector<Damage>* damage) const {
  const TraceHeader& h = reader_.header();
  const auto& kfs = reader_.keyframes();
  auto it = std::upper_bound(kfs.begin(), kfs.end(), p,
                             [](uint64_t x, const KeyframeInfo& k) { return x < k.event_index; });
  ShadowState s(h.range_start, h.range_end);
  while (it != kfs.begin()) {
    --it;
    try {
      reader_.loadKeyframe(static_cast<size_t>(it - kfs.begin()), s);
      break;
    } catch (const Error& e) {
      if (damage) damage->push_back({it->offset, -1, e.what()});
      s = ShadowState(h.range_start, h.range_end);
    }
  }
  run(s, p, nullptr, false, damage);
  return s;
}

namespace {

class TotalsCounter : public EventVisitor {
 public:
  explicit TotalsCounter(TraceTotals& t) : t_(t) {}
  void onEvent(const Event& ev, uint64_t, const ShadowState&,
               const std::vector<VmaOp>& ops) override {
    count(ops);
    if (ev.kind == EventKind::Gap) return;
    if (!seen_) t_.first_ns = ev.time_ns;
    seen_ = true;
    t_.by_kind[static_cast<unsigned>(ev.kind)]++;
    t_.last_ns = ev.time_ns;
    t_.max_ns = std::max(t_.max_ns, ev.time_ns);
    t_.last_seq = ev.seq;
    if (ev.kind == EventKind::Lost) t_.lost_records += ev.lost.count;
  }
  void onEnd(const ShadowState&, const std::vector<VmaOp>& ops) override { count(ops); }

 private:
  void count(const std::vector<VmaOp>& ops) {
    for (const VmaOp& op : ops) t_.vma_ops[static_cast<unsigned>(op.kind)]++;
  }
  TraceTotals& t_;
  bool seen_ = false;
};

// Totals and how the process ended, with its present pages sampled where
// the writer samples them (every chunk's worth of events and before the
// address space goes), so both give the same peak.
class FactsCounter : public TotalsCounter {
 public:
  FactsCounter(StreamFacts& f, uint32_t chunk_events)
      : TotalsCounter(f.totals), f_(f), every_(chunk_events ? chunk_events : 65536) {}
  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState& s,
               const std::vector<VmaOp>& ops) override {
    if (ev.kind == EventKind::Exit) {
      f_.exited = true;
      f_.exit_code = ev.exit.code;
      f_.peak_pages = std::max(f_.peak_pages, before_exit_);
    } else if (ev.kind == EventKind::Exec) {
      f_.last_exec.assign(ev.text);
    }
    TotalsCounter::onEvent(ev, ordinal, s, ops);
    // The state here is after the event; a release empties it, so keep
    // the count from before it as the writer does.
    if (ev.kind == EventKind::PteUnmap && ev.flags == KMR_UNMAP_RELEASE) {
      f_.peak_pages = std::max(f_.peak_pages, before_exit_);
    } else if (++since_ >= every_ || ev.kind == EventKind::Gap) {
      since_ = 0;
      before_exit_ = s.pages().presentPages();
      f_.peak_pages = std::max(f_.peak_pages, before_exit_);
    }
  }
  void onEnd(const ShadowState& s, const std::vector<VmaOp>& ops) override {
    TotalsCounter::onEnd(s, ops);
    f_.peak_pages = std::max(f_.peak_pages, s.pages().presentPages());
  }

 private:
  StreamFacts& f_;
  uint64_t every_;
  uint64_t since_ = 0;
  uint64_t before_exit_ = 0;
};

}  // namespace

TraceTotals Replay::totals() const {
  if (const TraceTotals* t = reader_.indexTotals()) return *t;
  TraceTotals t;
  t.events = eventCount();
  TotalsCounter counter(t);
  const TraceHeader& h = reader_.header();
  ShadowState s(h.range_start, h.range_end);
  run(s, eventCount(), &counter, true);
  return t;
}

StreamFacts Replay::facts() const {
  if (const auto& f = reader_.streamInfo().facts) return *f;
  StreamFacts f;
  f.totals.events = eventCount();
  uint32_t per_chunk = reader_.chunks().empty() ? 0 : reader_.chunks().front().count;
  FactsCounter counter(f, per_chunk);
  const TraceHeader& h = reader_.header();
  ShadowState s(h.range_start, h.range_end);
  run(s, eventCount(), &counter, true);
  if (const TraceTotals* t = reader_.indexTotals()) f.totals = *t;
  return f;
}

}  // namespace kmr
