// Merging the per-CPU rings into one stream by the dense sequence number.
//
// abi.h: every record that reaches a ring takes the next seq, so the next
// record of the stream is always the one with seq == last + 1.  When no ring
// front holds it while another ring already holds later records, it is being
// written on another CPU and appears within microseconds: the consumer waits.
// If it has not appeared after a timeout, something is wrong; the merger
// then skips the missing numbers, reports them as a gap (the recorder writes
// a LOST event there and warns), and drops the record if it turns up later.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "ring.h"

namespace kmr::recorder {

// Receives records in seq order.
class RecordSink {
 public:
  virtual ~RecordSink() = default;
  // @ev stays valid only during the call (it points into the ring).
  // Returning false refuses it for now (no room): it stays in the ring and
  // the merge stops, so back-pressure reaches the producer, which counts
  // what it cannot write as lost.
  virtual bool record(const kmr_event& ev) = 0;
  // Numbers [first_seq, first_seq + count) never appeared; @after_ns and
  // @before_ns are the times of the records around the gap.  Never refused:
  // a sink keeps room for one gap report.
  virtual void gap(uint64_t first_seq, uint64_t count, uint64_t after_ns, uint64_t before_ns) = 0;

  // Optional, for a sink that copies records out: the bytes run() can take
  // now (0: none, the merge then offers record() one at a time).
  virtual size_t runRoom() const { return 0; }
  // @count records in seq order, back to back in @bytes bytes at @data (a
  // run of one ring, at most runRoom() bytes; valid during the call only).
  // @kinds has bit (1 << kind) of each record whose kind is below 32.
  // Never refused.
  virtual void run(const uint8_t* data, size_t bytes, size_t count, uint32_t kinds) {
    (void)data, (void)bytes, (void)count, (void)kinds;
  }
};

class Merger {
 public:
  explicit Merger(std::vector<Ring>& rings, uint64_t first_seq = 1);

  struct Step {
    size_t records = 0;    // delivered to the sink
    bool waiting = false;  // stopped at a missing seq while later ones wait
    bool refused = false;  // the sink had no room
  };
  // Delivers up to @max records in seq order from the ring fronts as of
  // their last refresh(), then releases what it consumed.
  Step drain(RecordSink& sink, size_t max);

  // Gives up on the missing numbers: skips to the lowest seq at a ring
  // front and reports the gap to @sink.  Returns the numbers skipped (0 when
  // no ring has a record, i.e. nothing is known to be missing).
  uint64_t skipGap(RecordSink& sink);

  uint64_t expected() const { return expected_; }
  // Records that arrived after their number had been given up (and were
  // dropped), and records whose seq went backwards.
  uint64_t late() const { return late_; }

 private:
  Ring* findExpected();

  std::vector<Ring>& rings_;
  Ring* last_ = nullptr;  // the ring that held the previous record
  uint64_t expected_;
  uint64_t last_time_ = 0;
  uint64_t late_ = 0;
};

// The ring set plus the waiting policy: refresh, merge, and give up on a
// missing seq after @stall_timeout_ns of waiting.
class Consumer {
 public:
  using Clock = std::function<uint64_t()>;  // monotonic nanoseconds

  Consumer(kmr_ctl* ctl, const uint8_t* data, Clock clock,
           uint64_t stall_timeout_ns = 1'000'000'000);
  Consumer(const Consumer&) = delete;  // the merger refers to rings_
  Consumer& operator=(const Consumer&) = delete;

  struct Step {
    size_t records = 0;
    bool waiting = false;  // a missing seq holds back later records
    bool refused = false;  // the sink had no room
    uint64_t gap = 0;      // numbers given up in this step
  };
  Step step(RecordSink& sink, size_t max);

  // True when every seq the module handed out so far was consumed.
  bool caughtUp() const;
  uint64_t expected() const { return merger_.expected(); }
  uint64_t late() const { return merger_.late(); }
  uint64_t gaps() const { return gaps_; }
  // Sum of the rings' producer counters.
  uint64_t ringLost() const;
  uint64_t ringWritten() const;
  size_t ringCount() const { return rings_.size(); }
  // Bytes produced but not consumed yet, over all rings (as of last step).
  uint64_t pendingBytes() const;
  uint64_t ringBytes() const { return ring_size_ * rings_.size(); }

 private:
  kmr_ctl* ctl_;
  std::vector<Ring> rings_;
  Merger merger_;
  Clock clock_;
  uint64_t ring_size_;
  uint64_t stall_timeout_ns_;
  uint64_t stall_since_ = 0;
  uint64_t gaps_ = 0;
};

}  // namespace kmr::recorder
