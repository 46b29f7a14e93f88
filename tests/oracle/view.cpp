#include "view.h"

#include <algorithm>
#include <cstdio>
#include <set>

namespace kmr::oracle {

std::string hex(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string normalizeName(const std::string& name) {
  static const std::string kDeleted = " (deleted)";
  if (name.size() > kDeleted.size() &&
      name.compare(name.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
    return name.substr(0, name.size() - kDeleted.size());
  return name;
}

void clipView(MemoryView* v, uint64_t start, uint64_t end) {
  if (!start && !end) return;
  std::vector<VmaView> kept;
  for (VmaView m : v->vmas) {
    if (m.end <= start || m.start >= end) continue;
    m.start = std::max(m.start, start);
    m.end = std::min(m.end, end);
    kept.push_back(m);
  }
  v->vmas = std::move(kept);
  std::vector<std::pair<uint64_t, uint64_t>> unknown;
  for (auto [s, e] : v->unknown)
    if (s < end && e > start) unknown.push_back({std::max(s, start), std::min(e, end)});
  v->unknown = std::move(unknown);
  for (auto it = v->pages.begin(); it != v->pages.end();)
    it = (it->first < start || it->first >= end) ? v->pages.erase(it) : std::next(it);
}

MemoryView fromCheckpoint(const Checkpoint& c) {
  MemoryView v;
  for (const MapsLine& m : c.maps) {
    // [vsyscall] is the x86 gate area: maps prints it for every process,
    // but it is not a VMA of the mm (no vm_area_struct in the tree, so no
    // hook can see it) and it never changes.
    if (m.name == "[vsyscall]") continue;
    v.vmas.push_back({m.start, m.end, m.perms, m.offset, m.dev_major, m.dev_minor, m.inode,
                      normalizeName(m.name)});
  }
  for (const auto& [va, e] : c.pagemap) {
    PageView p;
    p.swapped = (e & kPmSwap) && !(e & kPmPresent);
    p.pfn = p.swapped ? 0 : (e & kPmPfnMask);
    // Not compared, because the trace cannot know them:
    //  - PM_MMAP_EXCLUSIVE: page_mapcount() == 1, which changes when
    //    another process maps or unmaps the same page (a forked child
    //    exiting), with no event in this mm.
    //  - PM_SOFT_DIRTY: also set for every page of a VMA with
    //    VM_SOFTDIRTY, a flag the trace does not carry.
    //  - the swap type/offset of a swapped entry: the module records only
    //    that the entry is a swap entry.
    p.file = (e & kPmFile) != 0;
    v.pages.emplace(va, p);
  }
  std::sort(v.vmas.begin(), v.vmas.end(),
            [](const VmaView& a, const VmaView& b) { return a.start < b.start; });
  clipView(&v, c.range_start, c.range_end);
  return v;
}

namespace {

std::string vmaLine(const VmaView& m) {
  char b[128];
  std::snprintf(b, sizeof(b), "%s-%s %s %llx %02x:%02x %llu ", hex(m.start).c_str(),
                hex(m.end).c_str(), m.perms.c_str(), static_cast<unsigned long long>(m.offset),
                m.dev_major, m.dev_minor, static_cast<unsigned long long>(m.inode));
  return b + m.name;
}

std::string pageText(const PageView& p) {
  if (p.swapped) return "swapped";
  return "pfn " + hex(p.pfn) + (p.file ? " file" : " anon");
}

}  // namespace

std::vector<std::string> compareViews(const MemoryView& k, const MemoryView& t, size_t max_lines) {
  std::vector<std::string> out;
  size_t total = 0;
  auto add = [&](std::string s) {
    if (out.size() < max_lines) out.push_back(std::move(s));
    total++;
  };
  // VMAs: by start address, then every field.
  std::map<uint64_t, const VmaView*> kv, tv;
  for (const VmaView& m : k.vmas) kv[m.start] = &m;
  for (const VmaView& m : t.vmas) tv[m.start] = &m;
  std::set<uint64_t> starts;
  for (auto& [s, m] : kv) starts.insert(s);
  for (auto& [s, m] : tv) starts.insert(s);
  for (uint64_t s : starts) {
    auto a = kv.find(s), b = tv.find(s);
    if (b == tv.end()) {
      add("vma missing from the trace: " + vmaLine(*a->second));
    } else if (a == kv.end()) {
      add("vma only in the trace:      " + vmaLine(*b->second));
    } else if (!(*a->second == *b->second)) {
      add("vma differs: kernel " + vmaLine(*a->second) + "\n             trace  " +
          vmaLine(*b->second));
    }
  }
  // Pages: every present (or swapped) page, both ways.
  auto ki = k.pages.begin(), ti = t.pages.begin();
  while (ki != k.pages.end() || ti != t.pages.end()) {
    if (ti == t.pages.end() || (ki != k.pages.end() && ki->first < ti->first)) {
      add("page " + hex(ki->first) + ": kernel " + pageText(ki->second) + ", trace not present");
      ++ki;
    } else if (ki == k.pages.end() || ti->first < ki->first) {
      add("page " + hex(ti->first) + ": kernel not present, trace " + pageText(ti->second));
      ++ti;
    } else {
      if (!(ki->second == ti->second))
        add("page " + hex(ki->first) + ": kernel " + pageText(ki->second) + ", trace " +
            pageText(ti->second));
      ++ki;
      ++ti;
    }
  }
  for (auto [s, e] : t.unknown)
    add("trace state unknown (lost events) in " + hex(s) + "-" + hex(e));
  if (total > out.size())
    out.push_back("... and " + std::to_string(total - out.size()) + " more differences");
  return out;
}

}  // namespace kmr::oracle
