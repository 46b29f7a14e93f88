#include "ring.h"

#include <algorithm>
#include <cinttypes>
#include <cstdio>

namespace kmr::recorder {

Ring::Ring(unsigned index, kmr_ring_ctl* ctl, const uint8_t* data, uint64_t ring_size)
    : index_(index), ctl_(ctl), data_(data), size_(ring_size) {
  // Start where a previous consumer of this session stopped (normally 0).
  pos_ = __atomic_load_n(&ctl_->tail, __ATOMIC_RELAXED);
  released_ = pos_;
  head_ = pos_;
}

uint64_t Ring::refresh() {
  uint64_t head = __atomic_load_n(&ctl_->head, __ATOMIC_ACQUIRE);
  if (head - pos_ > size_) corrupt("head moved more than a ring beyond the consumer");
  head_ = head;
  return head_ - pos_;
}

const kmr_event* Ring::findFront() {
  while (pos_ != head_) {
    uint64_t off = pos_ & (size_ - 1);
    uint64_t room = size_ - off;  // bytes to the end of the ring
    if (room < 8 || head_ - pos_ < 8) corrupt("less than a record header before the end");
    const auto* ev = reinterpret_cast<const kmr_event*>(data_ + off);
    uint64_t sz = ev->size;
    if (sz < 8 || sz % KMR_EV_ALIGN != 0) corrupt("record size not a multiple of 8");
    if (sz > room) corrupt("record crosses the end of the ring");
    if (sz > head_ - pos_) corrupt("record extends past head");
    if (ev->kind == KMR_EV_PAD) {
      pos_ += sz;
      continue;
    }
    if (sz < sizeof(kmr_event)) corrupt("record shorter than its header");
    front_ = ev;
    return ev;
  }
  return nullptr;
}

Ring::Run Ring::takeRun(uint64_t seq, size_t max_records, size_t max_bytes) {
  Run r;
  r.data = reinterpret_cast<const uint8_t*>(front_ ? front_ : front());
  // Every record from here to the ring's end or head, as findFront()
  // checks them: the run stops before anything it would not pass.
  uint64_t off = pos_ & (size_ - 1);
  uint64_t limit = std::min(size_ - off, head_ - pos_);
  if (limit > max_bytes) limit = max_bytes;
  while (r.count < max_records && limit - r.bytes >= sizeof(kmr_event)) {
    const auto* ev = reinterpret_cast<const kmr_event*>(r.data + r.bytes);
    uint64_t sz = ev->size;
    if (sz < sizeof(kmr_event) || sz % KMR_EV_ALIGN != 0 || sz > limit - r.bytes ||
        ev->kind == KMR_EV_PAD || ev->seq != seq + r.count)
      break;
    if (ev->kind < 32) r.kinds |= 1u << ev->kind;
    r.last_time = ev->time_ns;
    r.bytes += sz;
    r.count++;
  }
  pos_ += r.bytes;
  front_ = nullptr;
  return r;
}

void Ring::release() {
  // pos_ never passes the front record, so its bytes stay ours.
  if (pos_ == released_) return;
  __atomic_store_n(&ctl_->tail, pos_, __ATOMIC_RELEASE);
  released_ = pos_;
}

uint64_t Ring::lost() const { return __atomic_load_n(&ctl_->lost, __ATOMIC_RELAXED); }
uint64_t Ring::written() const { return __atomic_load_n(&ctl_->events, __ATOMIC_RELAXED); }

void Ring::corrupt(const std::string& why) const {
  uint64_t off = pos_ & (size_ - 1);
  char where[160];
  unsigned kind = 0, size = 0;
  if (size_ - off >= 4) {
    const auto* ev = reinterpret_cast<const kmr_event*>(data_ + off);
    kind = ev->kind;
    size = ev->size;
  }
  std::snprintf(where, sizeof(where),
                "ring %u corrupt at position %" PRIu64 " (head %" PRIu64
                ", kind %u, size %u): ",
                index_, pos_, head_, kind, size);
  throw RingCorrupt(where + why);
}

}  // namespace kmr::recorder
