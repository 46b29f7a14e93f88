#include "batch_queue.h"

namespace kmr::recorder {

BatchQueue::BatchQueue(size_t batch_bytes, size_t initial_batches, size_t max_batches)
    : batch_bytes_(batch_bytes), max_batches_(max_batches) {
  for (size_t i = 0; i < initial_batches && i < max_batches; i++) {
    free_.push_back(std::make_unique<Batch>(batch_bytes_));
    allocated_++;
  }
}

std::unique_ptr<Batch> BatchQueue::acquire(std::chrono::milliseconds wait) {
  std::unique_lock lk(mu_);
  if (free_.empty() && allocated_ < max_batches_) {
    allocated_++;
    lk.unlock();
    return std::make_unique<Batch>(batch_bytes_);
  }
  if (!to_drain_.wait_for(lk, wait, [&] { return !free_.empty(); })) return nullptr;
  auto b = std::move(free_.back());
  free_.pop_back();
  b->reset();
  return b;
}

void BatchQueue::push(std::unique_ptr<Batch> b) {
  {
    std::lock_guard lk(mu_);
    full_.push_back(std::move(b));
    if (full_.size() > peak_queued_) peak_queued_ = full_.size();
  }
  to_writer_.notify_one();
}

void BatchQueue::close() {
  {
    std::lock_guard lk(mu_);
    closed_ = true;
  }
  to_writer_.notify_all();
}

std::unique_ptr<Batch> BatchQueue::pop(std::chrono::milliseconds wait) {
  std::unique_lock lk(mu_);
  to_writer_.wait_for(lk, wait, [&] { return !full_.empty() || closed_; });
  if (full_.empty()) return nullptr;
  auto b = std::move(full_.front());
  full_.pop_front();
  return b;
}

void BatchQueue::recycle(std::unique_ptr<Batch> b) {
  b->reset();
  {
    std::lock_guard lk(mu_);
    free_.push_back(std::move(b));
  }
  to_drain_.notify_one();
}

bool BatchQueue::closed() const {
  std::lock_guard lk(mu_);
  return closed_;
}

size_t BatchQueue::allocated() const {
  std::lock_guard lk(mu_);
  return allocated_;
}

size_t BatchQueue::queued() const {
  std::lock_guard lk(mu_);
  return full_.size();
}

size_t BatchQueue::peakQueued() const {
  std::lock_guard lk(mu_);
  return peak_queued_;
}

}  // namespace kmr::recorder
