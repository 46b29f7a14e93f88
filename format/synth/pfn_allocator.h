// A model of how the kernel's page allocator hands out frames to one
// process: freed frames come back first (last freed, first reused, like the
// per-cpu lists); otherwise a frontier moves down through memory in batches
// of a pcp refill (63 pages, descending), skipping a few pages between
// batches where other tasks allocated, and now and then jumping to another
// free area.
#pragma once

#include <cstdint>
#include <random>
#include <vector>

namespace kmr::synth {

class PfnAllocator {
 public:
  explicit PfnAllocator(std::mt19937_64& rng);
  uint64_t alloc();
  void free(uint64_t pfn);

 private:
  void refill();

  std::mt19937_64& rng_;
  std::vector<uint64_t> freed_;
  uint64_t frontier_;
  uint64_t cur_ = 0;
  unsigned left_ = 0;  // in the current batch
};

}  // namespace kmr::synth
