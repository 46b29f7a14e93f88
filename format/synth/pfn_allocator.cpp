#include "synth/pfn_allocator.h"

namespace kmr::synth {
namespace {
constexpr uint64_t kTop = 0x5ff000;     // ~24 GiB of RAM
constexpr uint64_t kBottom = 0x100000;  // frames below are the kernel's
constexpr unsigned kBatch = 63;         // pcp batch
constexpr size_t kFreedMax = 1 << 16;   // beyond, frames go back to buddy
}  // namespace

PfnAllocator::PfnAllocator(std::mt19937_64& rng) : rng_(rng) {
  frontier_ = kTop - (rng_() % 0x10000);
}

void PfnAllocator::refill() {
  uint64_t r = rng_();
  if (r % 64 == 0) {
    // Another free area (a different zone part, after compaction...).
    frontier_ = kBottom + 0x1000 + rng_() % (kTop - kBottom - 0x1000);
  } else {
    frontier_ -= (r >> 8) % 24;  // pages other tasks took meanwhile
  }
  if (frontier_ < kBottom + kBatch) frontier_ = kTop;
  cur_ = frontier_;
  frontier_ -= kBatch;
  left_ = kBatch;
}

uint64_t PfnAllocator::alloc() {
  if (!freed_.empty()) {
    uint64_t p = freed_.back();
    freed_.pop_back();
    return p;
  }
  if (left_ == 0) refill();
  left_--;
  return cur_--;
}

void PfnAllocator::free(uint64_t pfn) {
  if (freed_.size() < kFreedMax) freed_.push_back(pfn);
}

}  // namespace kmr::synth
