// Parsers of kmemfetch's command-line values: pids, lengths, byte data,
// addresses (the syntax only; names are resolved against the target's maps
// in address.h).  Every parser throws UsageError with a message that names
// the bad value and shows the accepted forms.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace kmr::fetch {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// A process id: decimal, 1 .. 2^22 (PID_MAX_LIMIT).
uint32_t parsePid(const std::string& s);

// A length: decimal, or hex with 0x; optional suffix K, M, G (binary).
// "4096", "0x1000", "4K".  Zero is refused (nothing to do).
uint64_t parseLength(const std::string& s);

// A number in an address: hex by default ("7ffc1000", "0x7ffc1000"),
// decimal with a 0d prefix ("0d4096").  Addresses are written in hex
// everywhere (maps, pagemap, debuggers), hence the default.
uint64_t parseAddressNumber(const std::string& s);

// Bytes to write: hex digit pairs, optionally 0x-prefixed, with spaces,
// ':' or '-' allowed between pairs ("48656c6c6f", "48 65 6c", "0x4865").
std::vector<uint8_t> parseHexBytes(const std::string& s);

// An address as the user wrote it:
//   7ffc1000, 0x7ffc1000, 0d4096     absolute
//   [stack], [heap]+0x10, [vdso]-8   the start of the mapping with that
//                                    name in /proc/PID/maps, plus/minus
//   libc.so.6+0x1000, libc+0x1000    the first (lowest) mapping of the
//   kmrt-strlit+0x2004               file with that basename, plus
// Offsets use the same number syntax (hex by default).
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
