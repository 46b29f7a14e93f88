#include "merge.h"

namespace kmr::recorder {

Merger::Merger(std::vector<Ring>& rings, uint64_t first_seq)
    : rings_(rings), expected_(first_seq) {}

Ring* Merger::findExpected() {
  // Almost always the ring of the previous record (one CPU at a time).
  if (last_) {
    const kmr_event* ev = last_->front();
    if (ev && ev->seq == expected_) return last_;
  }
  for (Ring& r : rings_) {
    for (;;) {
      const kmr_event* ev = r.front();
      if (!ev) break;
      if (ev->seq == expected_) return &r;
      if (ev->seq > expected_) break;
      // Behind the stream: a record whose number was given up, or a seq
      // going backwards.  Neither can be placed any more.
      late_++;
      r.pop();
    }
  }
  return nullptr;
}

Merger::Step Merger::drain(RecordSink& sink, size_t max) {
  Step s;
  while (s.records < max) {
    Ring* r = findExpected();
    if (!r) {
      for (Ring& other : rings_)
        if (other.front()) s.waiting = true;
      break;
    }
    const kmr_event* ev = r->front();
    // The common case: a run of records of one ring in seq order, copied
    // out at once (one CPU at a time writes most of the stream).
    if (size_t room = sink.runRoom(); room >= ev->size) {
      Ring::Run run = r->takeRun(expected_, max - s.records, room);
      if (run.count) {
        sink.run(run.data, run.bytes, run.count, run.kinds);
        last_time_ = run.last_time;
        last_ = r;
        expected_ += run.count;
        s.records += run.count;
        continue;
      }
    }
    if (!sink.record(*ev)) {
      s.refused = true;
      break;
    }
    last_time_ = ev->time_ns;
    r->pop();
    last_ = r;
    expected_++;
    s.records++;
  }
  for (Ring& r : rings_) r.release();
  return s;
}

uint64_t Merger::skipGap(RecordSink& sink) {
  const kmr_event* lowest = nullptr;
  for (Ring& r : rings_) {
    const kmr_event* ev = r.front();
    if (ev && ev->seq > expected_ && (!lowest || ev->seq < lowest->seq)) lowest = ev;
  }
  if (!lowest) return 0;
  uint64_t count = lowest->seq - expected_;
  sink.gap(expected_, count, last_time_, lowest->time_ns);
  expected_ = lowest->seq;
  return count;
}

Consumer::Consumer(kmr_ctl* ctl, const uint8_t* data, Clock clock, uint64_t stall_timeout_ns)
    : ctl_(ctl),
      rings_([&] {
        std::vector<Ring> v;
        v.reserve(ctl->nr_rings);
        for (unsigned i = 0; i < ctl->nr_rings; i++)
          v.emplace_back(i, &ctl->ring[i], data + i * ctl->ring_size, ctl->ring_size);
        return v;
      }()),
      merger_(rings_),
      clock_(std::move(clock)),
      ring_size_(ctl->ring_size),
      stall_timeout_ns_(stall_timeout_ns) {}

Consumer::Step Consumer::step(RecordSink& sink, size_t max) {
  for (Ring& r : rings_) r.refresh();
  Merger::Step m = merger_.drain(sink, max);
  Step s{m.records, m.waiting, m.refused, 0};
  if (!m.waiting) {
    stall_since_ = 0;
    return s;
  }
  uint64_t now = clock_();
  if (m.records || !stall_since_) {
    stall_since_ = now;  // progress restarts the clock
  } else if (now - stall_since_ >= stall_timeout_ns_) {
    s.gap = merger_.skipGap(sink);
    if (s.gap) gaps_++;
    stall_since_ = 0;
    s.waiting = false;
  }
  return s;
}

bool Consumer::caughtUp() const {
  uint64_t last = __atomic_load_n(&ctl_->last_seq, __ATOMIC_ACQUIRE);
  return merger_.expected() > last;
}

uint64_t Consumer::ringLost() const {
  uint64_t n = 0;
  for (const Ring& r : rings_) n += r.lost();
  return n;
}

uint64_t Consumer::ringWritten() const {
  uint64_t n = 0;
  for (const Ring& r : rings_) n += r.written();
  return n;
}

uint64_t Consumer::pendingBytes() const {
  uint64_t n = 0;
  for (const Ring& r : rings_) n += r.head() - r.position();
  return n;
}

}  // namespace kmr::recorder
