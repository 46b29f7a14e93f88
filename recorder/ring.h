// Consuming one ring of the shared area in place, per abi.h: read @head with
// acquire, walk the records in [tail, head) skipping KMR_EV_PAD, then publish
// @tail with release once the consumed bytes have been copied out.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

#include <kmemrec/abi.h>

namespace kmr::recorder {

// A record that breaks abi.h's framing rules (size not a multiple of 8,
// crossing the ring's end or the head, shorter than its header).  The
// consumer cannot find the next record after it, so the session must stop.
class RingCorrupt : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class Ring {
 public:
  // @ctl: this ring's control slot (shared, RW); @data: its ring_size bytes.
  Ring(unsigned index, kmr_ring_ctl* ctl, const uint8_t* data, uint64_t ring_size);

  // Re-reads head (acquire).  Returns the bytes not yet consumed.
  uint64_t refresh();

  // The next record that is not PAD, or nullptr when the ring (as of the
  // last refresh) holds none.  Throws RingCorrupt.
  const kmr_event* front() {
    if (front_) return front_;
    return pos_ == head_ ? nullptr : findFront();
  }
  // Consumes the record front() returned.
  void pop() {
    pos_ += front_->size;
    front_ = nullptr;
  }
  // Consumes, from front() on, the records that follow each other with
  // seqs @seq, @seq + 1, ... (at most @max_records and @max_bytes; front()
  // must hold @seq and fit).  They are contiguous in the ring (a PAD or the
  // ring's end stops the run); their bytes stay valid until release().
  // Stops, leaving it for front(), at anything else, including a record
  // findFront() would call corrupt.
  struct Run {
    const uint8_t* data = nullptr;
    size_t bytes = 0;
    size_t count = 0;
    uint32_t kinds = 0;      // bit (1 << kind) per record with kind < 32
    uint64_t last_time = 0;  // the last record's time_ns
  };
  Run takeRun(uint64_t seq, size_t max_records, size_t max_bytes);
  // Publishes everything consumed so far to the producer (release).
  void release();

  unsigned index() const { return index_; }
  uint64_t position() const { return pos_; }
  uint64_t head() const { return head_; }
  // The producer's counters of this ring (records dropped / written).
  uint64_t lost() const;
  uint64_t written() const;

 private:
  const kmr_event* findFront();
  [[noreturn]] void corrupt(const std::string& why) const;

  unsigned index_;
  kmr_ring_ctl* ctl_;
  const uint8_t* data_;
  uint64_t size_;
  uint64_t pos_;   // consumed up to here (free-running)
  uint64_t head_;  // producer position at the last refresh
  uint64_t released_;
  const kmr_event* front_ = nullptr;
};

}  // namespace kmr::recorder
