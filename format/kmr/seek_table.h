// The zstd seekable-format seek table (contrib/seekable_format, v0.1.0),
// written from the spec because Debian ships no helper library for it:
//
//   skippable frame 0x184D2A5E, size = 8 * frames + 9
//   per frame: u32 compressed size, u32 decompressed size (0 for skippable)
//   footer:    u32 number of frames, u8 descriptor (0: no checksums),
//              u32 0x8F92EAB1
//
// It lists every frame before it (skippable ones included), so the sizes
// sum to its own offset; a reader uses that as a consistency check and to
// find the index frame (the last entry).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

namespace kmr::detail {

constexpr uint32_t kSeekTableMagic = 0x184D2A5Eu;
constexpr uint32_t kSeekableFooterMagic = 0x8F92EAB1u;
constexpr size_t kSeekFooterSize = 9;

struct SeekEntry {
  uint32_t compressed = 0;
  uint32_t decompressed = 0;
};

std::vector<uint8_t> encodeSeekTable(std::span<const SeekEntry> entries);

// Parse the table at the end of `file`.  nullopt when there is none or it
// is inconsistent (then the file is read by walking frame headers).
struct SeekTable {
  std::vector<SeekEntry> entries;
  uint64_t offset = 0;  // where the seek table frame starts
};
std::optional<SeekTable> decodeSeekTable(std::span<const uint8_t> file);

}  // namespace kmr::detail
