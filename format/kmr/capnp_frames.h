// Cap'n Proto messages of the file (format/kmr.capnp) <-> plain structs.
// capnp_frames.cpp is the only file that includes the generated header.
// Internal.
#pragma once

#include <array>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/totals.h"
#include "kmr/vma_map.h"

namespace kmr::detail {

enum Column : int {
  kColKinds,
  kColFlags,
  kColSeqs,
  kColTimes,
  kColAddrs,
  kColOffsets,
  kColPfns,
  kColPteFlags,
  kColShapes,
  kColIps,
  kColTids,
  kColFaultFlags,
  kColMisc,
  kColBytes,
  kColumnCount
};

struct ChunkFrame {
  uint32_t stream = 0;
  uint32_t number = 0;
  uint64_t first_event = 0;
  uint32_t count = 0;
  std::array<std::span<const uint8_t>, kColumnCount> columns;
};

struct KeyframeFrame {
  uint32_t stream = 0;
  uint32_t number = 0;
  uint64_t event_index = 0;
  uint64_t last_seq = 0;
  uint64_t max_time_ns = 0;
  uint64_t last_time_ns = 0;
  std::vector<Vma> vmas;
  uint64_t run_count = 0;
  std::span<const uint8_t> run_vpns, run_pages, run_pfns, run_flags;
  std::vector<std::pair<uint64_t, uint64_t>> unknown_pages, unknown_vmas;
  std::vector<VmaWindow> pending;
  bool exited = false;
  int32_t exit_code = 0;
};

struct ChunkRef {
  uint64_t offset = 0;
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint64_t first_event = 0;
  uint32_t count = 0;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;
  uint64_t min_ns = 0;
  uint64_t max_ns = 0;
  uint32_t stream = 0;
};

struct KeyframeRef {
  uint64_t offset = 0;
  uint32_t compressed_size = 0;
  uint32_t raw_size = 0;
  uint64_t event_index = 0;
  uint64_t last_seq = 0;
  uint64_t max_ns = 0;
  uint32_t stream = 0;
};

using IndexTotals = TraceTotals;

// Index.streams (version 3).
struct StreamRef {
  ProcessInfo process;
  StreamFacts facts;
  uint64_t frame_offset = 0;  // its Frame{process}'s frame header; 0: none
  uint32_t frame_size = 0;    // compressed size of that frame
};

struct IndexData {
  std::vector<ChunkRef> chunks;
  std::vector<KeyframeRef> keyframes;
  IndexTotals totals;
  uint64_t end_mono_ns = 0;  // when recording stopped; 0 = unknown
  std::optional<LosslessTotals> lossless;  // only --lossless recordings
  std::optional<FlightInfo> flight;        // only flight-recorder files
  std::vector<StreamRef> streams;          // version 3; empty before
};

// Builds one message; the returned pieces (the serialized message, in
// order) stay valid until the next call.  Column spans are referenced, not
// copied, so they must stay valid until the pieces are consumed.
class MessageWriter {
 public:
  MessageWriter();
  ~MessageWriter();
  MessageWriter(const MessageWriter&) = delete;
  MessageWriter& operator=(const MessageWriter&) = delete;

  std::span<const std::span<const uint8_t>> header(const TraceHeader& h);
  std::span<const std::span<const uint8_t>> chunk(const ChunkFrame& c);
  std::span<const std::span<const uint8_t>> keyframe(const KeyframeFrame& k);
  std::span<const std::span<const uint8_t>> process(const ProcessInfo& p);
  std::vector<uint8_t> index(const IndexData& idx);  // flat bytes

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Decoders take a word-aligned buffer holding one message (the decompressed
// frame) and check every size and limit; spans in the result point into the
// buffer.  They throw Error(Damaged) with a message that names no frame (the
// caller adds which).
TraceHeader decodeHeader(std::span<const uint8_t> aligned);
ChunkFrame decodeChunk(std::span<const uint8_t> aligned);
KeyframeFrame decodeKeyframe(std::span<const uint8_t> aligned);
ProcessInfo decodeProcess(std::span<const uint8_t> aligned);
IndexData decodeIndex(std::span<const uint8_t> aligned);

}  // namespace kmr::detail
