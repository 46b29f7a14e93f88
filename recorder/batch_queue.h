// Hand-off between the drain thread and the writer thread: batches of raw
// ring records (already in seq order), from a pool of preallocated buffers
// that grows on demand up to a fixed budget.  The drain thread never waits
// for the writer while the pool can grow; at the budget it stops taking
// records from the rings (see RecordSink::record), so what cannot be kept
// is dropped and counted by the module, never silently here.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <vector>

namespace kmr::recorder {

struct Batch {
  explicit Batch(size_t capacity)
      : words(std::make_unique_for_overwrite<uint64_t[]>(capacity / 8)), cap(capacity) {}
  uint8_t* data() { return reinterpret_cast<uint8_t*>(words.get()); }
  const uint8_t* data() const { return reinterpret_cast<const uint8_t*>(words.get()); }
  size_t room() const { return cap - used; }
  void reset() {
    used = 0;
    records = 0;
  }

  // 8-byte aligned, like ring records.  Not zeroed: a batch's pages cost
  // nothing until records are copied into them (zeroing the 4 MiB of
  // initial batches was ~36 M instructions of every recording's start).
  std::unique_ptr<uint64_t[]> words;
  size_t cap;
  size_t used = 0;
  uint64_t records = 0;
};

class BatchQueue {
 public:
  // @batch_bytes: capacity of each batch; @max_batches: the memory budget.
  BatchQueue(size_t batch_bytes, size_t initial_batches, size_t max_batches);

  // Drain side.  A free batch, allocating while under the budget; else waits
  // up to @wait for the writer to return one, and returns nullptr on timeout.
  std::unique_ptr<Batch> acquire(std::chrono::milliseconds wait);
  void push(std::unique_ptr<Batch> b);
  // No more batches will be pushed.
  void close();

  // Writer side.  The oldest full batch; nullptr after close() once empty,
  // or when @wait passes with nothing queued (then closed() says which).
  std::unique_ptr<Batch> pop(std::chrono::milliseconds wait);
  void recycle(std::unique_ptr<Batch> b);
  bool closed() const;

  size_t batchBytes() const { return batch_bytes_; }
  size_t allocated() const;    // batches in existence
  size_t queued() const;       // batches waiting for the writer
  size_t peakQueued() const;

 private:
  const size_t batch_bytes_;
  const size_t max_batches_;
  mutable std::mutex mu_;
  std::condition_variable to_writer_;
  std::condition_variable to_drain_;
  std::deque<std::unique_ptr<Batch>> full_;
  std::vector<std::unique_ptr<Batch>> free_;
  size_t allocated_ = 0;
  size_t peak_queued_ = 0;
  bool closed_ = false;
};

}  // namespace kmr::recorder
