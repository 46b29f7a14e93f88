#include "hexdump.h"

#include <cstdio>

namespace kmr::fetch {

int hexdumpWidth(uint64_t last) {
  int width = 12;
  while (width < 16 && (last >> (4 * width)) != 0) width++;
  return width;
}

std::string hexdump(uint64_t addr, std::span<const uint8_t> bytes, int width) {
  std::string out;
  if (bytes.empty()) return out;
  uint64_t first = addr & ~uint64_t{15};
  uint64_t last = addr + (bytes.size() - 1);  // callers keep it from wrapping
  if (width <= 0) width = hexdumpWidth(last);
  out.reserve((bytes.size() / 16 + 2) * (width + 60));
  char buf[32];
  for (uint64_t line = first;; line += 16) {
    std::snprintf(buf, sizeof(buf), "%0*llx: ", width, static_cast<unsigned long long>(line));
    out += buf;
    std::string ascii;
    for (int i = 0; i < 16; i++) {
      uint64_t a = line + static_cast<uint64_t>(i);
      bool have = a >= addr && a - addr < bytes.size();
      if (have) {
        uint8_t b = bytes[a - addr];
        std::snprintf(buf, sizeof(buf), "%02x", b);
        out += buf;
        ascii += (b >= 0x20 && b < 0x7f) ? static_cast<char>(b) : '.';
      } else {
        out += "  ";
        ascii += ' ';
      }
      if (i % 2 == 1 && i != 15) out += ' ';
    }
    // trim the blanks after the last byte of the last line
    while (!ascii.empty() && ascii.back() == ' ' && last < line + 15) ascii.pop_back();
    out += "  ";
    out += ascii;
    out += '\n';
    if (last - line < 16) break;
  }
  return out;
}

}  // namespace kmr::fetch
