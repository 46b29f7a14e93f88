// The one file that talks to zstd.  Internal.
//
// Every data frame of a .kmr is one zstd frame with the content size in its
// header and the content checksum enabled, so corruption is caught by zstd
// itself and `zstd -t` checks a whole file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

namespace kmr::detail {

class Compressor {
 public:
  explicit Compressor(int level);
  ~Compressor();
  Compressor(const Compressor&) = delete;
  Compressor& operator=(const Compressor&) = delete;

  // Compress the concatenation of `pieces` into one frame.  The result is
  // valid until the next call.  Throws Error(Io) only if zstd fails.
  std::span<const uint8_t> compress(std::span<const std::span<const uint8_t>> pieces);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

class Decompressor {
 public:
  Decompressor();
  ~Decompressor();
  Decompressor(const Decompressor&) = delete;
  Decompressor& operator=(const Decompressor&) = delete;

  // Decompress exactly one frame occupying all of `frame`, whose content
  // must be exactly out.size() bytes and carry a checksum.  On any mismatch
  // returns a description ("checksum mismatch", ...); empty on success.
  std::string decompress(std::span<const uint8_t> frame, std::span<uint8_t> out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace kmr::detail
