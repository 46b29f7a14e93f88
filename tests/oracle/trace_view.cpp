#include "trace_view.h"

#include <kmemrec/abi.h>

#include <algorithm>

namespace kmr::oracle {

std::string permsOf(uint32_t f) {
  std::string p = "----";
  if (f & KMR_VM_READ) p[0] = 'r';
  if (f & KMR_VM_WRITE) p[1] = 'w';
  if (f & KMR_VM_EXEC) p[2] = 'x';
  // show_vma_header_prefix: 's' for VM_MAYSHARE, else 'p'.
  p[3] = (f & KMR_VM_MAYSHARE) ? 's' : 'p';
  return p;
}

MemoryView fromTrace(const TraceState& s) {
  MemoryView v;
  for (const TraceVma& t : s.vmas) {
    VmaView m;
    m.start = t.start;
    m.end = t.end;
    m.perms = permsOf(t.vm_flags);
    // show_map_vma prints offset, device and inode only for file-backed
    // VMAs; anonymous ones show 0 (their vm_pgoff is the address >> 12).
    bool file = t.ino != 0 || t.dev != 0 || (t.vma_flags & KMR_VMA_F_FILE);
    if (file) {
      m.offset = t.pgoff << 12;
      // new_decode_dev()
      m.dev_major = (t.dev & 0xfff00) >> 8;
      m.dev_minor = (t.dev & 0xff) | ((t.dev >> 12) & 0xfff00);
      m.inode = t.ino;
    }
    m.name = normalizeName(t.name);
    v.vmas.push_back(m);
  }
  std::sort(v.vmas.begin(), v.vmas.end(),
            [](const VmaView& a, const VmaView& b) { return a.start < b.start; });
  // /proc/PID/pagemap cannot show pages of VM_PFNMAP / VM_IO VMAs ([vvar],
  // device mappings): its page walk treats them as holes (walk_page_test()
  // in mm/pagewalk.c), so the kernel view is empty there whatever is
  // mapped.  The trace does see them; they are left out of the comparison.
  std::vector<std::pair<uint64_t, uint64_t>> io;
  for (const TraceVma& t : s.vmas)
    if (t.vm_flags & KMR_VM_IO) io.push_back({t.start, t.end});
  auto in_io = [&](uint64_t va) {
    for (auto [a, b] : io)
      if (va >= a && va < b) return true;
    return false;
  };
  for (const TracePte& p : s.ptes) {
    if (in_io(p.vaddr)) continue;
    uint32_t f = KMR_PTE_FLAGS(p.entry);
    if (!(f & (KMR_PTE_PRESENT | KMR_PTE_SWAP))) continue;
    // pagemap reports every 4 KiB page of a huge leaf with pfn + i.
    uint64_t pages = p.shift > 12 ? 1ull << (p.shift - 12) : 1;
    for (uint64_t i = 0; i < pages; i++) {
      PageView pv;
      pv.swapped = !(f & KMR_PTE_PRESENT);
      pv.pfn = pv.swapped ? 0 : KMR_PTE_PFN(p.entry) + i;
      // pagemap: PM_FILE when vm_normal_page() finds a page that is not
      // PageAnon; the zero page and pfn maps (special) have none.
      pv.file = !pv.swapped && !(f & (KMR_PTE_ANON | KMR_PTE_ZERO | KMR_PTE_SPECIAL));
      // pagemap's PM_FILE is set for swapped shmem entries too; the trace
      // does not say whether a swap entry was shmem.  The guest has no swap.
      v.pages[p.vaddr + (i << 12)] = pv;
    }
  }
  v.unknown = s.unknown;
  return v;
}

}  // namespace kmr::oracle
