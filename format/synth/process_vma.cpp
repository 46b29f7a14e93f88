// The simulated process's VMA operations: the model change and the window
// (and PTE) records the kernel module sends for it.  Split from process.cpp.
#include <algorithm>

#include "kmr/error.h"
#include "synth/process.h"

namespace kmr::synth {
namespace {
constexpr uint64_t kPage = 4096;
}  // namespace

uint64_t Process::findFree(uint64_t bytes) const {
  uint64_t hi = mmap_top_;
  auto it = vmas_.lower_bound(hi);
  for (;;) {
    uint64_t lo = it == vmas_.begin() ? 0x10000000 : std::prev(it)->second.end;
    if (hi > lo && hi - lo >= bytes + 2 * kPage) return (hi - kPage - bytes) & ~(kPage - 1);
    if (it == vmas_.begin()) throw Error(Error::Code::Usage, "synthetic address space is full");
    --it;
    hi = it->second.start;
  }
}

void Process::mmapAnon(uint64_t start, uint64_t bytes, uint32_t vm_flags) {
  insertVma({start, start + bytes, start / kPage, 0, 0, vm_flags, KMR_VMA_F_ANON, ""});
  window(start, start + bytes, KMR_VMA_CAUSE_MMAP);
}

void Process::mmapFile(uint64_t start, uint64_t bytes, uint64_t pgoff, const std::string& path,
                       uint32_t vm_flags) {
  insertVma({start, start + bytes, pgoff, fileIno(path), 0x801, vm_flags, KMR_VMA_F_FILE, path});
  window(start, start + bytes, KMR_VMA_CAUSE_MMAP);
}

void Process::munmap(uint64_t start, uint64_t end) {
  removeVmas(start, end);
  window(start, end, KMR_VMA_CAUSE_MUNMAP);
  unmapPages(start, end, KMR_UNMAP_MUNMAP, true);
}

void Process::mprotect(uint64_t start, uint64_t end, uint32_t vm_flags) {
  std::vector<Vma> pieces;
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin() && std::prev(it)->second.end > start) --it;
  for (; it != vmas_.end() && it->first < end; ++it) {
    Vma p = it->second;
    uint64_t s = std::max(p.start, start), e = std::min(p.end, end);
    p.pgoff += (s - p.start) / kPage;
    p.start = s;
    p.end = e;
    p.vm_flags = vm_flags | (p.vm_flags & KMR_VM_GROWSDOWN);
    pieces.push_back(p);
  }
  removeVmas(start, end);
  // Like vma_merge: a piece joins a neighbour that now looks the same.
  for (Vma& p : pieces) {
    auto same = [&](const Vma& a, const Vma& b) {
      return a.vm_flags == b.vm_flags && a.flags == b.flags && a.ino == b.ino &&
             a.dev == b.dev && a.name == b.name &&
             a.pgoff + (a.end - a.start) / kPage == b.pgoff;
    };
    auto next = vmas_.find(p.end);
    if (next != vmas_.end() && same(p, next->second)) {
      p.end = next->second.end;
      vmas_.erase(next);
    }
    auto prev = vmas_.lower_bound(p.start);
    if (prev != vmas_.begin()) {
      --prev;
      if (prev->second.end == p.start && same(prev->second, p)) {
        Vma merged = prev->second;
        merged.end = p.end;
        vmas_.erase(prev);
        p = merged;
      }
    }
    insertVma(p);
  }
  window(start, end, KMR_VMA_CAUSE_MPROTECT);
  if (!(vm_flags & KMR_VM_WRITE) && pages_.runs(start / kPage, end / kPage).size()) {
    out_.emit(makePteUnmap(0, now_, KMR_UNMAP_PROTECT_VMA, start, end));
    for (const PageRun& r : pages_.runs(start / kPage, end / kPage))
      for (uint64_t i = 0; i < r.pages; i++)
        pages_.set(r.vpn + i, KMR_PTE_MAKE(r.pfn + i, r.flags & ~KMR_PTE_WRITE));
    resync(start, end);
  }
}

void Process::mremapMove(uint64_t start, uint64_t end, uint64_t to) {
  const Vma* v = findVma(start);
  if (!v) return;
  Vma moved = *v;
  moved.pgoff += (start - v->start) / kPage;
  moved.start = to;
  moved.end = to + (end - start);
  insertVma(moved);
  window(moved.start, moved.end, KMR_VMA_CAUSE_MREMAP);
  // move_page_tables: the old range goes, the same frames appear at the
  // new addresses.
  std::vector<PageRun> runs = pages_.runs(start / kPage, end / kPage);
  out_.emit(makePteUnmap(0, now_, KMR_UNMAP_MUNMAP, start, end));
  pages_.clear(start / kPage, end / kPage);
  for (const PageRun& r : runs)
    for (uint64_t i = 0; i < r.pages; i++)
      pages_.set(r.vpn + i - start / kPage + to / kPage, KMR_PTE_MAKE(r.pfn + i, r.flags));
  emitRuns(to, moved.end, KMR_PTE_CAUSE_MREMAP);
  removeVmas(start, end);
  window(start, end, KMR_VMA_CAUSE_MREMAP);
}

void Process::brk(uint64_t new_end) {
  auto it = vmas_.find(heap_start_);
  if (it == vmas_.end() || new_end <= heap_start_) return;
  uint64_t old = heap_end_;
  if (new_end > old) {
    it->second.end = new_end;
    heap_end_ = new_end;
    window(old, new_end, KMR_VMA_CAUSE_BRK);
  } else if (new_end < old) {
    it->second.end = new_end;
    heap_end_ = new_end;
    window(new_end, old, KMR_VMA_CAUSE_BRK);
    unmapPages(new_end, old, KMR_UNMAP_MUNMAP, true);
  }
}

void Process::growStack(uint64_t pages) {
  uint64_t s = stackStart();
  auto it = vmas_.find(s);
  if (it == vmas_.end()) return;
  Vma v = it->second;
  vmas_.erase(it);
  v.start -= pages * kPage;
  v.pgoff -= pages;
  insertVma(v);
  window(v.start, s, KMR_VMA_CAUSE_STACK);
}

}  // namespace kmr::synth
