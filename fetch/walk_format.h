// Presenting a KMR_IOC_WALK result: level names, KMR_PTE_* flag names, and
// one table row per walked address.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <kmemrec/abi.h>

namespace kmr::fetch {

// "pte", "pmd", "pud", "p4d", "pgd" ("none" for KMR_LVL_NONE).
const char* levelName(uint32_t level);

// KMR_PTE_* bits as "present,write,dirty,..." ("-" for none); unknown bits
// as "0x..." so nothing is hidden.
std::string pteFlagNames(uint32_t flags);

// Where and why the walk stopped: "pte", "pmd: 2M leaf", "pud: none",
// "pte: not present (swap)".
std::string describeStop(const kmr_walk& w);

// Column titles of walkRow().
std::vector<std::string> walkColumns();
// address, pgd, p4d, pud, pmd, pte, pfn, phys, size, flags, stop.
// Entries the walk did not read are "-"; with 4-level paging the p4d
// column says "=pgd" (the level is folded).
std::vector<std::string> walkRow(const kmr_walk& w);

// "4K", "2M", "1G", or bytes.
std::string sizeName(uint64_t bytes);

}  // namespace kmr::fetch
