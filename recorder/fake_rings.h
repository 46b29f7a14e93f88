// Test support: a shared area laid out exactly as abi.h describes (control
// area with kmr_ctl and kmr_ring_ctl slots, then nr_rings data rings) with a
// producer that writes records and PAD fillers the way the module must.
// It tests the consumer's algorithm, not the kernel.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include <kmemrec/abi.h>

namespace kmr::recorder::test {

class FakeRings {
 public:
  FakeRings(unsigned nr_rings, uint64_t ring_size)
      : ctl_mem_((4096 + 7) / 8), data_mem_(nr_rings * ring_size / 8) {
    ctl()->abi_version = KMR_ABI_VERSION;
    ctl()->nr_rings = nr_rings;
    ctl()->ring_size = ring_size;
    ctl()->data_offset = 4096;
    ctl()->page_size = 4096;
  }
  kmr_ctl* ctl() { return reinterpret_cast<kmr_ctl*>(ctl_mem_.data()); }
  uint8_t* data() { return reinterpret_cast<uint8_t*>(data_mem_.data()); }
  uint8_t* ring(unsigned i) { return data() + i * ctl()->ring_size; }

  // Writes a record (kind, seq, time, @size bytes, payload bytes = seq) to
  // ring @r, padding the end of the ring first when needed.  Returns false
  // (and counts a drop) when the ring has no room.
  bool produce(unsigned r, uint16_t kind, uint64_t seq, uint64_t time, uint16_t size,
               uint32_t flags = 0) {
    kmr_ring_ctl& rc = ctl()->ring[r];
    uint64_t rs = ctl()->ring_size;
    uint64_t head = rc.head;
    uint64_t tail = __atomic_load_n(&rc.tail, __ATOMIC_ACQUIRE);
    uint64_t off = head & (rs - 1);
    uint64_t pad = size > rs - off ? rs - off : 0;
    if (head + pad + size - tail > rs) {
      rc.lost++;
      return false;
    }
    if (pad) {
      auto* p = reinterpret_cast<kmr_event*>(ring(r) + off);
      std::memset(p, 0xee, pad);  // garbage the consumer must not read
      p->kind = KMR_EV_PAD;
      p->size = static_cast<uint16_t>(pad);
      head += pad;
      off = 0;
    }
    auto* ev = reinterpret_cast<kmr_event*>(ring(r) + off);
    std::memset(ev, static_cast<int>(seq & 0xff), size);
    ev->kind = kind;
    ev->size = size;
    ev->flags = flags;
    ev->seq = seq;
    ev->time_ns = time;
    rc.events++;
    if (seq > ctl()->last_seq) ctl()->last_seq = seq;
    __atomic_store_n(&rc.head, head + size, __ATOMIC_RELEASE);
    return true;
  }

  // Writes a complete record (its header already filled) to ring @r,
  // padding the end of the ring first when needed.  False when full.
  bool produceRecord(unsigned r, const void* rec, uint16_t size) {
    kmr_ring_ctl& rc = ctl()->ring[r];
    uint64_t rs = ctl()->ring_size;
    uint64_t head = rc.head;
    uint64_t tail = __atomic_load_n(&rc.tail, __ATOMIC_ACQUIRE);
    uint64_t off = head & (rs - 1);
    uint64_t pad = size > rs - off ? rs - off : 0;
    if (head + pad + size - tail > rs) return false;
    if (pad) {
      auto* p = reinterpret_cast<kmr_event*>(ring(r) + off);
      p->kind = KMR_EV_PAD;
      p->size = static_cast<uint16_t>(pad);
      head += pad;
      off = 0;
    }
    std::memcpy(ring(r) + off, rec, size);
    uint64_t seq = static_cast<const kmr_event*>(rec)->seq;
    if (seq > __atomic_load_n(&ctl()->last_seq, __ATOMIC_RELAXED))
      __atomic_store_n(&ctl()->last_seq, seq, __ATOMIC_RELEASE);
    __atomic_store_n(&rc.head, head + size, __ATOMIC_RELEASE);
    return true;
  }

  // Writes raw bytes as a record at the head (for corruption tests).
  void produceRaw(unsigned r, const void* bytes, uint64_t len) {
    kmr_ring_ctl& rc = ctl()->ring[r];
    uint64_t off = rc.head & (ctl()->ring_size - 1);
    std::memcpy(ring(r) + off, bytes, len);
    __atomic_store_n(&rc.head, rc.head + len, __ATOMIC_RELEASE);
  }

 private:
  std::vector<uint64_t> ctl_mem_;
  std::vector<uint64_t> data_mem_;
};

}  // namespace kmr::recorder::test
