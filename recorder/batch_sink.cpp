#include "batch_sink.h"

#include <algorithm>

#include <cstring>

namespace kmr::recorder {

BatchSink::BatchSink(BatchQueue& q) : q_(q) {}

bool BatchSink::nextBatch() {
  if (cur_ && cur_->records) q_.push(std::move(cur_));
  if (!cur_) cur_ = q_.acquire(std::chrono::milliseconds(0));
  if (!cur_) {
    refusals_++;
    return false;
  }
  return true;
}

namespace {
// The kinds the drain takes note of (rare).
constexpr uint32_t kNoted = (1u << KMR_EV_LOST) | (1u << KMR_EV_EXIT) | (1u << KMR_EV_EXEC) |
                            (1u << KMR_EV_FORK);
static_assert(KMR_EV_NR_KINDS <= 32);
}  // namespace

void BatchSink::run(const uint8_t* data, size_t bytes, size_t count, uint32_t kinds) {
  Batch& b = *cur_;  // runRoom() said it has room
  std::memcpy(b.data() + b.used, data, bytes);
  b.used += bytes;
  b.records += count;
  records_ += count;
  bytes_ += bytes;
  if (kinds & kNoted) [[unlikely]] {
    for (size_t off = 0; off < bytes;) {
      const auto& ev = *reinterpret_cast<const kmr_event*>(data + off);
      if (ev.kind < 32 && (kNoted >> ev.kind & 1)) note(ev);
      off += ev.size;
    }
  }
}

bool BatchSink::record(const kmr_event& ev) {
  const size_t size = ev.size;
  if (!hasRoom(size)) [[unlikely]] {
    if (!nextBatch()) return false;
  }
  Batch& b = *cur_;
  std::memcpy(b.data() + b.used, &ev, size);
  b.used += size;
  b.records++;
  records_++;
  bytes_ += size;
  // One test for the kinds noted, not four.
  if (ev.kind < 32 && (kNoted >> ev.kind & 1)) [[unlikely]]
    note(ev);
  return true;
}

void BatchSink::note(const kmr_event& ev) {
  if (ev.kind == KMR_EV_LOST && ev.size >= sizeof(kmr_ev_lost))
    lost_ += reinterpret_cast<const kmr_ev_lost&>(ev).count;
  else if (ev.kind == KMR_EV_EXIT) {
    exits_++;
    exit_flags_ = ev.flags;
    if (ev.size >= sizeof(kmr_ev_exit)) exit_code_ = reinterpret_cast<const kmr_ev_exit&>(ev).exit_code;
  } else if (ev.kind == KMR_EV_EXEC && ev.size >= sizeof(kmr_ev_exec)) {
    const auto& x = reinterpret_cast<const kmr_ev_exec&>(ev);
    size_t room = ev.size - sizeof(kmr_ev_exec);
    last_exec_.assign(x.filename, std::min<size_t>(x.filename_len, room));
  } else if (ev.kind == KMR_EV_FORK && on_fork && ev.size >= sizeof(kmr_ev_fork)) {
    on_fork(reinterpret_cast<const kmr_ev_fork&>(ev));
  }
}

void BatchSink::gap(uint64_t first_seq, uint64_t count, uint64_t after_ns, uint64_t before_ns) {
  kmr_ev_lost l{};
  l.h.kind = KMR_EV_LOST;
  l.h.size = sizeof(l);
  l.h.seq = first_seq;
  l.h.time_ns = before_ns;
  l.count = count;
  l.kinds = (1ull << KMR_EV_NR_KINDS) - 2;  // unknown: any kind but PAD
  l.first_ns = after_ns;
  l.last_ns = before_ns;
  // The reserve guarantees room unless no batch could be had at all.
  if (!cur_) cur_ = q_.acquire(std::chrono::milliseconds(1000));
  if (!cur_) {
    lost_ += count;  // counted and warned about, but cannot be placed
    return;
  }
  std::memcpy(cur_->data() + cur_->used, &l, sizeof(l));
  cur_->used += sizeof(l);
  cur_->records++;
  records_++;
  lost_ += count;
}

void BatchSink::flush() {
  if (cur_ && cur_->records) q_.push(std::move(cur_));
}

}  // namespace kmr::recorder
