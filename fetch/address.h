// Turning an AddressSpec into a virtual address of the target.
//
// Name rules (kept in the --help text too):
//   [name]      the mapping whose maps name is exactly "[name]" ([stack],
//               [heap], [vdso], [vvar]); the lowest one if several.
//   file+OFF    the file whose basename is exactly "file", or else the one
//               whose basename starts with "file" followed by '.', '-' or
//               '_' (libc -> libc.so.6); the offset is from the start of
//               its first (lowest) mapping, which for an ELF file is where
//               file offset 0 is mapped.  Two different files matching is
//               an error that lists them.
#pragma once

#include <cstdint>
#include <vector>

#include "args.h"
#include "proc_maps.h"

namespace kmr::fetch {

// True when resolving @a needs the target's maps.
inline bool needsMaps(const AddressSpec& a) { return a.kind != AddressSpec::Kind::Absolute; }

// Resolves @a against @maps (of process @pid, for messages).  Throws
// UsageError when the name matches nothing or several files, or the result
// wraps around.
uint64_t resolveAddress(const AddressSpec& a, const std::vector<MapEntry>& maps, uint32_t pid);

}  // namespace kmr::fetch
