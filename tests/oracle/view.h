// The comparable view of a process's memory at one instant: what both the
// kernel (a checkpoint) and a trace (kmemreplay --at) can say, in the
// kernel's own terms (the columns of /proc/PID/maps, pagemap's pfn).
//
// Everything the kernel view shows is compared, except what a trace cannot
// know; each exception is argued where it is made (fromCheckpoint and
// view.cpp), never silently dropped.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "checkpoint.h"

namespace kmr::oracle {

struct VmaView {
  uint64_t start = 0, end = 0;
  std::string perms;  // "rwxp" / "r--s", exactly as maps prints it
  uint64_t offset = 0;
  uint32_t dev_major = 0, dev_minor = 0;
  uint64_t inode = 0;
  std::string name;
  bool operator==(const VmaView&) const = default;
};

struct PageView {
  uint64_t pfn = 0;
  bool swapped = false;  // a swap entry (pfn meaningless then)
  bool file = false;     // pagemap PM_FILE: a page-cache or shmem page
  bool operator==(const PageView&) const = default;
};

struct MemoryView {
  std::vector<VmaView> vmas;          // sorted by start
  std::map<uint64_t, PageView> pages;  // by 4 KiB page address
  // Pages the trace cannot vouch for (LOST events): any there is a failure.
  std::vector<std::pair<uint64_t, uint64_t>> unknown;
};

// Restricts a view to [start, end) (0, 0 = everything): VMAs and unknown
// ranges are clipped as maps would show a narrower window's overlap, pages
// outside dropped.
void clipView(MemoryView* v, uint64_t start, uint64_t end);

// The kernel's side.
MemoryView fromCheckpoint(const Checkpoint& c);

// Drops the " (deleted)" suffix maps adds when a mapped file was unlinked.
// Why: unlinking a file changes no mapping, so no event can tell the trace;
// the name the trace recorded at map time is the same file.
std::string normalizeName(const std::string& name);

// Every difference, one line each ("vma 0x1000-0x2000: perms rw-p (kernel)
// vs r--p (trace)"); empty when equal.
std::vector<std::string> compareViews(const MemoryView& kernel, const MemoryView& trace,
                                      size_t max_lines = 50);

std::string hex(uint64_t v);

}  // namespace kmr::oracle
