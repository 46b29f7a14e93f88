// The first 32 bytes of every .kmr file: a zstd skippable frame (magic
// 0x184D2A50) holding
//
//   0  char[8]  "KMEMREC\0"
//   8  u32      format version that wrote the file
//   12 u32      oldest reader version that can read it
//   16 u32      flags, 0
//   20 u32      reserved, 0
//
// A reader refuses a file whose "oldest reader version" is above its own
// kFormatVersion, or whose version is below kOldestFormatRead, with a
// message naming both.
#pragma once

#include <array>
#include <cstdint>
#include <span>

namespace kmr {

// Bumped on every incompatible change (version 2: prefix varints, the
// compact kind byte, the zero-page pfn base; version 3: streams, several
// processes in one file; version 4: a fault's FAULT stored with its PTE,
// chunk_codec.h's kRowFaultOfPte).
constexpr uint32_t kFormatVersion = 4;
// The oldest format this build still reads (a version-2 file is one
// stream).
constexpr uint32_t kOldestFormatRead = 2;
// The first version with streams (Frame{process}, per-stream ordinals).
constexpr uint32_t kFirstStreamsVersion = 3;

namespace detail {

constexpr uint32_t kFileMagicFrame = 0x184D2A50u;
constexpr size_t kFileMagicSize = 32;

std::array<uint8_t, kFileMagicSize> encodeFileMagic();
// Throws Error(NotATrace) or Error(Version).  Returns the writer's version.
uint32_t checkFileMagic(std::span<const uint8_t> file_start);

}  // namespace detail
}  // namespace kmr
