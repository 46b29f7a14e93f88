#include "kmr/file_magic.h"

#include <cstring>
#include <string>

#include "kmr/error.h"
#include "kmr/le_bytes.h"

namespace kmr::detail {
namespace {
constexpr char kMagicText[8] = {'K', 'M', 'E', 'M', 'R', 'E', 'C', '\0'};
}

std::array<uint8_t, kFileMagicSize> encodeFileMagic() {
  std::array<uint8_t, kFileMagicSize> b{};
  storeLe32(b.data(), kFileMagicFrame);
  storeLe32(b.data() + 4, kFileMagicSize - kSkippableHeaderSize);
  std::memcpy(b.data() + 8, kMagicText, sizeof kMagicText);
  storeLe32(b.data() + 16, kFormatVersion);
  storeLe32(b.data() + 20, kFormatVersion);  // older readers cannot read it
  return b;
}

uint32_t checkFileMagic(std::span<const uint8_t> s) {
  if (s.empty()) throw Error(Error::Code::NotATrace, "not a kmemrec trace: the file is empty");
  if (s.size() >= 4 && loadLe32(s.data()) == kZstdFrameMagic)
    throw Error(Error::Code::NotATrace,
                "not a kmemrec trace: a plain zstd stream without the kmemrec magic frame");
  if (s.size() < kFileMagicSize || loadLe32(s.data()) != kFileMagicFrame ||
      std::memcmp(s.data() + 8, kMagicText, sizeof kMagicText) != 0)
    throw Error(Error::Code::NotATrace, "not a kmemrec trace: no KMEMREC magic at the start");
  uint32_t size = loadLe32(s.data() + 4);
  uint32_t version = loadLe32(s.data() + 16);
  uint32_t oldest_reader = loadLe32(s.data() + 20);
  if (oldest_reader > kFormatVersion)
    throw Error(Error::Code::Version,
                "trace format version " + std::to_string(version) +
                    " is newer than this build reads (format version " +
                    std::to_string(kFormatVersion) + "); use a newer kmemreplay");
  if (version < kOldestFormatRead && version != 0)
    throw Error(Error::Code::Version,
                "trace format version " + std::to_string(version) +
                    " is older than this build reads (format version " +
                    std::to_string(kOldestFormatRead) + " and later); re-record it or use the "
                    "kmemreplay that wrote it");
  // This version writes exactly 24 bytes and zero flags; anything else from
  // a writer of this version is damage.
  if (version <= kFormatVersion &&
      (size != kFileMagicSize - kSkippableHeaderSize || oldest_reader == 0 ||
       loadLe32(s.data() + 24) != 0 || loadLe32(s.data() + 28) != 0 || version == 0))
    throw Error(Error::Code::Damaged, "the magic frame at offset 0 is damaged");
  return version;
}

}  // namespace kmr::detail
