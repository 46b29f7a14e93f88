#include "kmr/frame_header.h"

#include <xxhash.h>

#include "kmr/le_bytes.h"

namespace kmr::detail {
namespace {
constexpr uint32_t kInnerMagic = 0x46524D4Bu;  // "KMRF"
constexpr size_t kBody = 8;                     // skippable frame header
constexpr size_t kChecked = 68;
}  // namespace

std::array<uint8_t, kFrameHeaderSize> encodeFrameHeader(const FrameHeader& h) {
  std::array<uint8_t, kFrameHeaderSize> b{};
  storeLe32(b.data(), kFrameHeaderMagic);
  storeLe32(b.data() + 4, kFrameHeaderSize - kBody);
  uint8_t* p = b.data() + kBody;
  storeLe32(p, kInnerMagic);
  p[4] = static_cast<uint8_t>(h.kind);
  storeLe32(p + 8, h.compressed_size);
  storeLe32(p + 12, h.raw_size);
  storeLe32(p + 16, h.count);
  storeLe32(p + 20, h.number);
  storeLe64(p + 24, h.first_seq);
  storeLe64(p + 32, h.last_seq);
  storeLe64(p + 40, h.min_ns);
  storeLe64(p + 48, h.max_ns);
  storeLe64(p + 56, h.first_event);
  storeLe32(p + 64, h.stream);
  storeLe32(p + kChecked, XXH32(p, kChecked, 0));
  return b;
}

std::optional<FrameHeader> decodeFrameHeader(std::span<const uint8_t> b) {
  if (b.size() < kFrameHeaderSize) return std::nullopt;
  if (loadLe32(b.data()) != kFrameHeaderMagic || loadLe32(b.data() + 4) != kFrameHeaderSize - kBody)
    return std::nullopt;
  const uint8_t* p = b.data() + kBody;
  if (loadLe32(p) != kInnerMagic || loadLe32(p + kChecked) != XXH32(p, kChecked, 0))
    return std::nullopt;
  // A version-2 reader required 0 at 64 and kinds 1-3; the file magic keeps
  // such readers away from version-3 files.  The reader checks that a
  // version-2 file has neither.
  if (p[5] != 0 || loadLe16(p + 6) != 0) return std::nullopt;
  if (p[4] < 1 || p[4] > 4) return std::nullopt;
  FrameHeader h;
  h.kind = static_cast<FrameKind>(p[4]);
  h.compressed_size = loadLe32(p + 8);
  h.raw_size = loadLe32(p + 12);
  h.count = loadLe32(p + 16);
  h.number = loadLe32(p + 20);
  h.first_seq = loadLe64(p + 24);
  h.last_seq = loadLe64(p + 32);
  h.min_ns = loadLe64(p + 40);
  h.max_ns = loadLe64(p + 48);
  h.first_event = loadLe64(p + 56);
  h.stream = loadLe32(p + 64);
  return h;
}

}  // namespace kmr::detail
