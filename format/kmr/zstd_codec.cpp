#include "kmr/zstd_codec.h"

#define ZSTD_STATIC_LINKING_ONLY  // ZSTD_getFrameHeader
#include <zstd.h>
#include <zstd_errors.h>

#include <vector>

#include "kmr/error.h"

namespace kmr::detail {

struct Compressor::Impl {
  ZSTD_CCtx* cctx = nullptr;
  std::vector<uint8_t> out;
  ~Impl() { ZSTD_freeCCtx(cctx); }
};

Compressor::Compressor(int level) : impl_(std::make_unique<Impl>()) {
  impl_->cctx = ZSTD_createCCtx();
  if (!impl_->cctx) throw Error(Error::Code::Io, "zstd: cannot create a compression context");
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_compressionLevel, level);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_checksumFlag, 1);
  ZSTD_CCtx_setParameter(impl_->cctx, ZSTD_c_contentSizeFlag, 1);
}

Compressor::~Compressor() = default;

std::span<const uint8_t> Compressor::compress(std::span<const std::span<const uint8_t>> pieces) {
  size_t total = 0;
  for (auto p : pieces) total += p.size();
  size_t bound = ZSTD_compressBound(total);
  if (impl_->out.size() < bound) impl_->out.resize(bound);
  ZSTD_CCtx* c = impl_->cctx;
  ZSTD_CCtx_reset(c, ZSTD_reset_session_only);
  ZSTD_CCtx_setPledgedSrcSize(c, total);
  ZSTD_outBuffer out{impl_->out.data(), impl_->out.size(), 0};
  for (size_t i = 0; i < pieces.size(); i++) {
    bool last = i + 1 == pieces.size();
    ZSTD_inBuffer in{pieces[i].data(), pieces[i].size(), 0};
    size_t r;
    do {
      r = ZSTD_compressStream2(c, &out, &in, last ? ZSTD_e_end : ZSTD_e_continue);
      if (ZSTD_isError(r))
        throw Error(Error::Code::Io, std::string("zstd: ") + ZSTD_getErrorName(r));
    } while (last ? r != 0 : in.pos < in.size);
  }
  if (pieces.empty()) {
    ZSTD_inBuffer in{nullptr, 0, 0};
    size_t r = ZSTD_compressStream2(c, &out, &in, ZSTD_e_end);
    if (ZSTD_isError(r) || r != 0) throw Error(Error::Code::Io, "zstd: cannot end an empty frame");
  }
  return {impl_->out.data(), out.pos};
}

struct Decompressor::Impl {
  ZSTD_DCtx* dctx = nullptr;
  ~Impl() { ZSTD_freeDCtx(dctx); }
};

Decompressor::Decompressor() : impl_(std::make_unique<Impl>()) {
  impl_->dctx = ZSTD_createDCtx();
  if (!impl_->dctx) throw Error(Error::Code::Io, "zstd: cannot create a decompression context");
  // A damaged window size must not make us allocate gigabytes.
  ZSTD_DCtx_setParameter(impl_->dctx, ZSTD_d_windowLogMax, 27);
}

Decompressor::~Decompressor() = default;

std::string Decompressor::decompress(std::span<const uint8_t> frame, std::span<uint8_t> out) {
  ZSTD_frameHeader fh;
  size_t r = ZSTD_getFrameHeader(&fh, frame.data(), frame.size());
  if (r != 0 || fh.frameType != ZSTD_frame) return "not a zstd frame";
  if (!fh.checksumFlag) return "zstd frame without checksum";
  if (fh.frameContentSize != out.size()) return "zstd frame size disagrees with its header";
  size_t csize = ZSTD_findFrameCompressedSize(frame.data(), frame.size());
  if (ZSTD_isError(csize) || csize != frame.size()) return "zstd frame length is wrong";
  ZSTD_DCtx_reset(impl_->dctx, ZSTD_reset_session_only);
  r = ZSTD_decompressDCtx(impl_->dctx, out.data(), out.size(), frame.data(), frame.size());
  if (ZSTD_isError(r)) {
    if (ZSTD_getErrorCode(r) == ZSTD_error_checksum_wrong) return "checksum mismatch";
    return std::string("zstd: ") + ZSTD_getErrorName(r);
  }
  if (r != out.size()) return "zstd frame decompressed to the wrong size";
  return {};
}

}  // namespace kmr::detail
