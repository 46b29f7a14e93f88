// kmemreplay --at T --sharing --json against two checkpoints that show two
// processes at the same instant T: for every VMA of each, the present pages
// must be pagemap's, and the pages the trace says share their frame with
// the other process must be exactly those whose pagemap pfn the other
// process's pagemap also holds.
#pragma once

#include <string>
#include <vector>

#include "checkpoint.h"

namespace kmr::oracle {

// Differences, one line each; empty when equal.  Throws std::runtime_error
// on malformed JSON or a process missing from it.
std::vector<std::string> compareSharing(const std::string& json_text, const Checkpoint& a,
                                        const Checkpoint& b);

}  // namespace kmr::oracle
