// Little-endian loads and stores for the binary parts of the file (file
// magic, frame headers, index prefix, seek table).  Internal.
#pragma once

#include <cstdint>
#include <cstring>

namespace kmr::detail {

inline uint32_t loadLe32(const uint8_t* p) {
  return uint32_t(p[0]) | uint32_t(p[1]) << 8 | uint32_t(p[2]) << 16 | uint32_t(p[3]) << 24;
}
inline uint64_t loadLe64(const uint8_t* p) {
  return uint64_t(loadLe32(p)) | uint64_t(loadLe32(p + 4)) << 32;
}
inline uint16_t loadLe16(const uint8_t* p) { return uint16_t(p[0] | p[1] << 8); }
inline void storeLe32(uint8_t* p, uint32_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
  p[2] = uint8_t(v >> 16);
  p[3] = uint8_t(v >> 24);
}
inline void storeLe64(uint8_t* p, uint64_t v) {
  storeLe32(p, uint32_t(v));
  storeLe32(p + 4, uint32_t(v >> 32));
}
inline void storeLe16(uint8_t* p, uint16_t v) {
  p[0] = uint8_t(v);
  p[1] = uint8_t(v >> 8);
}

// zstd skippable frames: magic 0x184D2A50..0x184D2A5F, then a 32-bit size.
constexpr uint32_t kSkippableMagicMask = 0xFFFFFFF0u;
constexpr uint32_t kSkippableMagicBase = 0x184D2A50u;
constexpr uint32_t kZstdFrameMagic = 0xFD2FB528u;
constexpr uint32_t kSkippableHeaderSize = 8;

}  // namespace kmr::detail
