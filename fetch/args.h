// Parsers of kmemfetch's command-line values: lengths, byte data,
// addresses (the syntax only; names are resolved against the target's maps
// in address.h).  Pids, sizes and address numbers are base/numbers.h's,
// the same in every tool.  Every parser throws UsageError with a message
// that names the bad value and shows the accepted forms.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "base/numbers.h"

namespace kmr::fetch {

// A length: a size of base/numbers.h (decimal, 0x hex, K/M/G: "4096",
// "0x1000", "4K").  Zero is refused (nothing to do).
uint64_t parseLength(const std::string& s);

// Bytes to write: hex digit pairs, optionally 0x-prefixed, with spaces,
// ':' or '-' allowed between pairs ("48656c6c6f", "48 65 6c", "0x4865").
std::vector<uint8_t> parseHexBytes(const std::string& s);

// An address as the user wrote it:
//   7ffc1000, 0x7ffc1000             absolute (hex, base/numbers.h)
//   [stack], [heap]+0x10, [vdso]-8   the start of the mapping with that
//                                    name in /proc/PID/maps, plus/minus
//   libc.so.6+0x1000, libc+0x1000    the first (lowest) mapping of the
//   kmrt-strlit+0x2004               file with that basename, plus
// Offsets are hex too.
struct AddressSpec {
  enum class Kind { Absolute, Special, File };
  Kind kind = Kind::Absolute;
  uint64_t value = 0;  // Absolute
  std::string name;    // Special: "[stack]"; File: "libc"
  bool negative = false;
  uint64_t offset = 0;
  std::string text;  // as given, for messages
};
AddressSpec parseAddressSpec(const std::string& s);

}  // namespace kmr::fetch
