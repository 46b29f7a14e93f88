// The index frame: a zstd skippable frame (magic 0x184D2A52) holding
//
//   0  u32  "KMRI"
//   4  u32  1 (index layout version)
//   8  u64  payload size (a multiple of 8)
//   16 u64  XXH64 (seed 0) of the payload
//   24      payload: an Index message (kmr.capnp), uncompressed
//
// Internal.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace kmr::detail {

constexpr uint32_t kIndexFrameMagic = 0x184D2A52u;

std::vector<uint8_t> encodeIndexFrame(std::span<const uint8_t> payload);
// The payload of the index frame that is exactly `frame`, or an error text.
struct IndexPayload {
  std::span<const uint8_t> payload;
  std::string error;
};
IndexPayload decodeIndexFrame(std::span<const uint8_t> frame);

}  // namespace kmr::detail
