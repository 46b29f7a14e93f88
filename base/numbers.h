// Numbers on the command line and on the screen, the same in every tool.
//
// Input (each parser throws UsageError naming the value and the forms it
// accepts):
//   addresses  hex, with or without 0x: 7f0000001000, 0x7f0000001000, as
//              /proc/PID/maps and kmemreplay print them.  No decimal form:
//              a value starting with "0d" (the old kmemfetch decimal
//              prefix, or a zero-padded hex address copied from maps) is
//              refused as ambiguous; write 0x0d... for hex.
//   ranges     START-END of two addresses, END excluded; or one ADDR.
//   sizes      decimal, or hex with 0x, with an optional binary suffix
//              K, M or G: 4096, 0x1000, 4K, 8M.
//   pids       decimal, 1 .. 4194304 (PID_MAX_LIMIT).
// Output: hex() without 0x, as the tables show addresses; bytesText().
#pragma once

#include <cstdint>
#include <string>
#include <utility>

namespace kmr {

uint64_t parseAddress(const std::string& s);

struct AddressRange {
  uint64_t start = 0;
  uint64_t end = 0;  // excluded
  bool single = false;  // given as one ADDR: [ADDR, ADDR + 1)
};
// "START-END" or "ADDR".  START must be below END.
AddressRange parseAddressRange(const std::string& s);

uint64_t parseSize(const std::string& s);
uint32_t parsePid(const std::string& s);

std::string hex(uint64_t v);           // "7f0000001000"
std::string bytesText(uint64_t bytes);  // "512 B", "4.0 KiB", "1.5 MiB"

}  // namespace kmr
