// Frames shared between the processes of a trace at one instant: for each
// process and VMA, how many of its present pages map a frame that another
// recorded process maps too (and which processes), and how many are its
// own.  This is the question copy-on-write raises (how much of the parent
// does the child still share), which the kernel answers nowhere but in two
// pagemaps read at the same instant.
//
// A frame counts as shared when it is mapped by two or more of the given
// processes, at any address and in any kind of VMA (a CoW-shared anonymous
// page, a file page both map, a MAP_SHARED page).  The zero page is counted
// apart (every process maps it; no copy was ever made).
#pragma once

#include <cstdint>
#include <map>
#include <vector>

#include "kmr/page_table.h"
#include "kmr/vma_map.h"

namespace kmr::replayer {

// One process's memory at the instant.
struct SharingInput {
  uint32_t pid = 0;
  const PageTable* pages = nullptr;
  const VmaMap* vmas = nullptr;
};

struct SharingCounts {
  uint64_t present = 0;  // small pages mapped (a huge page is 512)
  uint64_t shared = 0;   // their frame is mapped by another process too
  uint64_t own = 0;      // mapped by this process only
  uint64_t zero = 0;     // the zero page
  std::map<uint32_t, uint64_t> with;  // pid -> pages whose frame that pid maps

  void add(const SharingCounts& o);
};

struct SharingVma {
  Vma vma;
  SharingCounts counts;
};

struct SharingProcess {
  uint32_t pid = 0;
  std::vector<SharingVma> vmas;  // every VMA, in address order
  SharingCounts total;           // pages outside every VMA included
};

// Result in the order of @in.  A process listed twice is one process.
std::vector<SharingProcess> computeSharing(const std::vector<SharingInput>& in);

}  // namespace kmr::replayer
