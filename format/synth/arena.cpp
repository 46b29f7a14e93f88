#include "synth/arena.h"

#include <algorithm>

namespace kmr::synth {

std::span<uint64_t> EntryArena::alloc(size_t n) {
  while (block_ < blocks_.size() && blocks_[block_].size - used_ < n) {
    block_++;
    used_ = 0;
  }
  if (block_ == blocks_.size()) {
    size_t size = std::max<size_t>(n, 1 << 16);
    blocks_.push_back({std::make_unique<uint64_t[]>(size), size});
    used_ = 0;
  }
  std::span<uint64_t> s(blocks_[block_].data.get() + used_, n);
  used_ += n;
  return s;
}

void EntryArena::reset() {
  block_ = 0;
  used_ = 0;
}

}  // namespace kmr::synth
