#include "kmr/index_frame.h"

#include <xxhash.h>

#include <cstring>

#include "kmr/le_bytes.h"

namespace kmr::detail {
namespace {
constexpr uint32_t kInnerMagic = 0x49524D4Bu;  // "KMRI"
constexpr size_t kPrefix = 8 + 24;
}  // namespace

std::vector<uint8_t> encodeIndexFrame(std::span<const uint8_t> payload) {
  std::vector<uint8_t> b(kPrefix + payload.size());
  storeLe32(b.data(), kIndexFrameMagic);
  storeLe32(b.data() + 4, static_cast<uint32_t>(b.size() - kSkippableHeaderSize));
  storeLe32(b.data() + 8, kInnerMagic);
  storeLe32(b.data() + 12, 1);
  storeLe64(b.data() + 16, payload.size());
  storeLe64(b.data() + 24, XXH64(payload.data(), payload.size(), 0));
  if (!payload.empty()) std::memcpy(b.data() + kPrefix, payload.data(), payload.size());
  return b;
}

IndexPayload decodeIndexFrame(std::span<const uint8_t> f) {
  if (f.size() < kPrefix || loadLe32(f.data()) != kIndexFrameMagic ||
      loadLe32(f.data() + 4) != f.size() - kSkippableHeaderSize ||
      loadLe32(f.data() + 8) != kInnerMagic)
    return {{}, "no index frame before the seek table"};
  if (loadLe32(f.data() + 12) != 1) return {{}, "unknown index layout version"};
  uint64_t n = loadLe64(f.data() + 16);
  if (n != f.size() - kPrefix || n % 8) return {{}, "index size is inconsistent"};
  auto payload = f.subspan(kPrefix);
  if (XXH64(payload.data(), payload.size(), 0) != loadLe64(f.data() + 24))
    return {{}, "index checksum mismatch"};
  return {payload, {}};
}

}  // namespace kmr::detail
