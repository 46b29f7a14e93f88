// An xxd-style dump of bytes read at a virtual address:
//
//   00007ffd3c2e1010: 4865 6c6c 6f20 6672 6f6d 2061 2073 7472  Hello from a str
//
// Lines are aligned to 16-byte boundaries of the address (a dump that
// starts or ends mid-line leaves the missing bytes blank), bytes are grouped
// by two, the ASCII column shows '.' for anything not printable.  The
// address column is at least 12 hex digits (x86-64 user addresses are 47
// or 56 bits), wider if an address needs it, the same for every line.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kmr::fetch {

// @width: digits of the address column; 0 = from the last address.  A long
// dump may be made in pieces that start at 16-byte boundaries: give them all
// hexdumpWidth() of the whole range.
std::string hexdump(uint64_t addr, std::span<const uint8_t> bytes, int width = 0);

// Address digits for a dump ending at @last (at least 12).
int hexdumpWidth(uint64_t last);

}  // namespace kmr::fetch
