// ShadowState <-> keyframe frames.  Internal.
#pragma once

#include "kmr/capnp_frames.h"
#include "kmr/state.h"
#include "kmr/varint.h"

namespace kmr {

class KeyframeCodec {
 public:
  // The frame for `s`; its run columns live in this codec until the next
  // encode.
  detail::KeyframeFrame encode(const ShadowState& s, uint32_t number);
  // Replace `s` by the keyframe's state (position included).  Throws
  // Error(Damaged) when the keyframe is inconsistent; `s` is then
  // unspecified.
  static void decode(const detail::KeyframeFrame& f, ShadowState& s);

 private:
  detail::ColumnWriter vpns_, pages_, pfns_, flags_;
};

}  // namespace kmr
