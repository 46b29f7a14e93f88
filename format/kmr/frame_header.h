// The 80-byte frame header in front of every data frame: a zstd skippable
// frame (magic 0x184D2A51, size 72) that describes the zstd frame after it,
// readable without decompressing.  Layout (little endian):
//
//   0  u32  "KMRF"
//   4  u8   kind: 1 header, 2 chunk, 3 keyframe, 4 process (version 3)
//   5  u8   0
//   6  u16  0
//   8  u32  compressed size of the zstd frame that follows
//   12 u32  its decompressed size (one Cap'n Proto message)
//   16 u32  events in the chunk (0 otherwise)
//   20 u32  chunk or keyframe number (per stream); process: its stream
//   24 u64  chunk: first seq;  keyframe: seq of the last applied event
//   32 u64  chunk: last seq;   keyframe: same
//   40 u64  chunk: lowest time_ns;  keyframe: time_ns of the last event;
//           process: its start time
//   48 u64  chunk: highest time_ns; keyframe: highest time_ns so far
//   56 u64  chunk: ordinal of its first event; keyframe: events applied
//           (version 3: ordinals within the stream)
//   64 u32  the stream (process) the frame belongs to; 0 before version 3
//   68 u32  XXH32 (seed 0) of bytes 0..67
//
// The checksum lets a reader walking a file without index (writer killed)
// trust the sizes it follows, and find the next header after damage; the
// stream id lets it sort a version-3 file's chunks by process without the
// index.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>

namespace kmr::detail {

constexpr uint32_t kFrameHeaderMagic = 0x184D2A51u;
constexpr size_t kFrameHeaderSize = 80;
// No frame's message may exceed this (a reader refuses larger ones).
constexpr uint32_t kMaxFrameRawBytes = 256u << 20;

enum class FrameKind : uint8_t { Header = 1, Chunk = 2, Keyframe = 3, Process = 4 };

struct FrameHeader {
  FrameKind kind = FrameKind::Chunk;
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint32_t count = 0;
  uint32_t number = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  uint64_t first_event = 0;
  uint32_t stream = 0;

  bool operator==(const FrameHeader&) const = default;
};

std::array<uint8_t, kFrameHeaderSize> encodeFrameHeader(const FrameHeader& h);
// nullopt unless the 80 bytes are a well-formed header with a good checksum.
std::optional<FrameHeader> decodeFrameHeader(std::span<const uint8_t> bytes);

}  // namespace kmr::detail
