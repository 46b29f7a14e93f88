// The trace's side: VMAs and page-table entries in abi.h terms (as
// kmemreplay --json prints them), converted to the maps/pagemap view.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "view.h"

namespace kmr::oracle {

struct TraceVma {
  uint64_t start = 0, end = 0, pgoff = 0, ino = 0;
  uint32_t dev = 0;        // new_encode_dev() form
  uint32_t vm_flags = 0;   // KMR_VM_*
  uint32_t vma_flags = 0;  // KMR_VMA_F_*
  std::string name;
};

struct TracePte {
  uint64_t vaddr = 0;
  uint64_t entry = 0;  // KMR_PTE_MAKE(pfn, KMR_PTE_*)
  uint32_t shift = 12;
};

struct TraceState {
  std::vector<TraceVma> vmas;
  std::vector<TracePte> ptes;
  std::vector<std::pair<uint64_t, uint64_t>> unknown;  // byte ranges
};

// The maps columns and pagemap bits a kernel would show for this state.
MemoryView fromTrace(const TraceState& s);

// The maps "perms" column of KMR_VM_* flags.
std::string permsOf(uint32_t vm_flags);

}  // namespace kmr::oracle
