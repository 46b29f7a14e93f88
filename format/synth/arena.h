// Storage for PTE entry arrays whose spans must stay put until reset().
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace kmr::synth {

class EntryArena {
 public:
  std::span<uint64_t> alloc(size_t n);
  void reset();

 private:
  struct Block {
    std::unique_ptr<uint64_t[]> data;
    size_t size;
  };
  std::vector<Block> blocks_;
  size_t block_ = 0;  // current block
  size_t used_ = 0;   // in the current block
};

}  // namespace kmr::synth
