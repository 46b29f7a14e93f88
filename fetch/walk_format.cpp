#include "walk_format.h"

#include <cstdio>

namespace kmr::fetch {
namespace {

std::string hex(uint64_t v, bool prefix = true, int width = 0) {
  char b[32];
  std::snprintf(b, sizeof(b), prefix ? "0x%0*llx" : "%0*llx", width,
                static_cast<unsigned long long>(v));
  return b;
}

struct FlagName {
  uint32_t bit;
  const char* name;
};
constexpr FlagName kFlags[] = {
    {KMR_PTE_PRESENT, "present"},     {KMR_PTE_WRITE, "write"},   {KMR_PTE_DIRTY, "dirty"},
    {KMR_PTE_YOUNG, "young"},         {KMR_PTE_EXEC, "exec"},     {KMR_PTE_ANON, "anon"},
    {KMR_PTE_ZERO, "zero"},           {KMR_PTE_SPECIAL, "special"}, {KMR_PTE_SWAP, "swap"},
    {KMR_PTE_MIGRATION, "migration"}, {KMR_PTE_KSM, "ksm"},       {KMR_PTE_HUGE, "huge"},
    {KMR_PTE_EXCLUSIVE, "exclusive"}, {KMR_PTE_SOFTDIRTY, "softdirty"},
};

// Index into kmr_walk.entry[] of a level: pgd 0 .. pte 4.
int entryIndex(uint32_t level) { return KMR_LVL_PGD - static_cast<int>(level); }

}  // namespace

const char* levelName(uint32_t level) {
  switch (level) {
    case KMR_LVL_PTE: return "pte";
    case KMR_LVL_PMD: return "pmd";
    case KMR_LVL_PUD: return "pud";
    case KMR_LVL_P4D: return "p4d";
    case KMR_LVL_PGD: return "pgd";
    default: return "none";
  }
}

std::string pteFlagNames(uint32_t flags) {
  std::string out;
  uint32_t known = 0;
  for (const FlagName& f : kFlags) {
    known |= f.bit;
    if (flags & f.bit) out += (out.empty() ? "" : ",") + std::string(f.name);
  }
  if (flags & ~known) out += (out.empty() ? "" : ",") + hex(flags & ~known);
  return out.empty() ? "-" : out;
}

std::string sizeName(uint64_t bytes) {
  if (bytes >= (1ull << 30) && bytes % (1ull << 30) == 0) return std::to_string(bytes >> 30) + "G";
  if (bytes >= (1ull << 20) && bytes % (1ull << 20) == 0) return std::to_string(bytes >> 20) + "M";
  if (bytes >= (1ull << 10) && bytes % (1ull << 10) == 0) return std::to_string(bytes >> 10) + "K";
  return std::to_string(bytes);
}

std::string describeStop(const kmr_walk& w) {
  std::string lvl = levelName(w.stop_level);
  if (w.stop_level < KMR_LVL_PTE || w.stop_level > KMR_LVL_PGD) return lvl;
  if (w.leaf) return w.stop_level == KMR_LVL_PTE ? lvl : lvl + ": " + sizeName(w.page_size) + " leaf";
  uint64_t e = w.entry[entryIndex(w.stop_level)];
  if (e == 0) return lvl + ": none";
  if (w.pte_flags & KMR_PTE_SWAP) return lvl + ": not present (swap)";
  if (w.pte_flags & KMR_PTE_MIGRATION) return lvl + ": not present (migration)";
  return lvl + ": not present";
}

std::vector<std::string> walkColumns() {
  return {"address", "pgd", "p4d", "pud", "pmd", "pte", "pfn", "phys", "size", "flags", "stop"};
}

std::vector<std::string> walkRow(const kmr_walk& w) {
  std::vector<std::string> row{hex(w.vaddr)};
  int last = w.stop_level >= KMR_LVL_PTE && w.stop_level <= KMR_LVL_PGD ? entryIndex(w.stop_level)
                                                                         : -1;
  for (int i = 0; i < 5; i++) {
    if (i > last)
      row.push_back("-");
    else if (i == 1 && w.levels == 4)
      row.push_back("=pgd");
    else
      row.push_back(hex(w.entry[i], false, 16));
  }
  if (w.leaf) {
    row.push_back(hex(w.pfn));
    row.push_back(hex(w.phys));
    row.push_back(sizeName(w.page_size));
  } else {
    row.insert(row.end(), {"-", "-", "-"});
  }
  row.push_back(w.stop_level >= KMR_LVL_PTE && (w.leaf || w.pte_flags) ? pteFlagNames(w.pte_flags)
                                                                       : "-");
  row.push_back(describeStop(w));
  return row;
}

}  // namespace kmr::fetch
