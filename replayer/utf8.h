// UTF-8 validity, for writers that must emit valid text (SVG, JSON)
// whatever bytes a VMA or file name holds.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace kmr::replayer {

// Length of the valid UTF-8 sequence starting at s[i] (1 to 4), 0 when the
// bytes there are not valid UTF-8 (overlong, surrogate, cut short...).
inline size_t utf8Length(std::string_view s, size_t i) {
  auto c = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = c(i);
  size_t n;
  uint32_t cp;
  if (b < 0x80) return 1;
  if ((b & 0xe0) == 0xc0) n = 2, cp = b & 0x1f;
  else if ((b & 0xf0) == 0xe0) n = 3, cp = b & 0x0f;
  else if ((b & 0xf8) == 0xf0) n = 4, cp = b & 0x07;
  else return 0;
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; k++) {
    if ((c(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (c(i + k) & 0x3f);
  }
  static const uint32_t kMin[5] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n;
}

}  // namespace kmr::replayer
