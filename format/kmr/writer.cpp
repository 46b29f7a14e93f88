#include "kmr/writer.h"

#include <xxhash.h>

#include <array>
#include <vector>

#include "kmr/capnp_frames.h"
#include "kmr/chunk_codec.h"
#include "kmr/error.h"
#include "kmr/file_io.h"
#include "kmr/file_magic.h"
#include "kmr/frame_header.h"
#include "kmr/index_frame.h"
#include "kmr/keyframe.h"
#include "kmr/le_bytes.h"
#include "kmr/seek_table.h"
#include "kmr/zstd_codec.h"

namespace kmr {

using detail::FrameHeader;
using detail::FrameKind;

struct TraceWriter::Impl {
  Impl(const std::string& p, detail::UniqueFd f, const TraceHeader& h, const WriterOptions& o,
       const ShadowState* initial)
      : path(p), options(o), fd(std::move(f)), compressor(o.zstd_level),
        state(initial ? *initial : ShadowState(h.range_start, h.range_end)) {
    if (initial) state.restartPosition();
  }

  std::string path;
  WriterOptions options;
  detail::UniqueFd fd;
  detail::ChunkEncoder encoder;
  detail::Compressor compressor;
  detail::MessageWriter messages;
  KeyframeCodec keyframe_codec;
  ShadowState state;
  std::vector<VmaOp> ops;
  detail::IndexData index;
  std::vector<detail::SeekEntry> seek;
  WriterStats stats;
  uint32_t keyframe_number = 0;
  uint64_t bytes_since_keyframe = 0;
  uint64_t events_since_keyframe = 0;
  uint64_t last_keyframe_size = 0;
  bool finished = false;

  void write(std::span<const std::span<const uint8_t>> bufs) {
    detail::writeAll(fd.get(), bufs, path);
  }

  // Frame header + compressed message, after @before (unframed bytes
  // written in the same write); returns the frame's bytes.
  uint64_t writeFrame(FrameHeader fh, std::span<const std::span<const uint8_t>> pieces,
                      uint64_t* offset_out, std::span<const uint8_t> before = {}) {
    size_t raw = 0;
    for (auto p : pieces) raw += p.size();
    auto z = compressor.compress(pieces);
    if (raw > detail::kMaxFrameRawBytes || z.size() > UINT32_MAX)
      throw Error(Error::Code::Usage, "a frame over 256 MiB; lower the chunk size");
    fh.compressed_size = static_cast<uint32_t>(z.size());
    fh.raw_size = static_cast<uint32_t>(raw);
    auto hb = detail::encodeFrameHeader(fh);
    std::array<std::span<const uint8_t>, 3> bufs{before, std::span<const uint8_t>(hb), z};
    write(bufs);
    if (!before.empty()) {
      seek.push_back({static_cast<uint32_t>(before.size()), 0});
      stats.file_bytes += before.size();
    }
    if (offset_out) *offset_out = stats.file_bytes;
    seek.push_back({static_cast<uint32_t>(hb.size()), 0});
    seek.push_back({fh.compressed_size, fh.raw_size});
    uint64_t n = hb.size() + z.size();
    stats.file_bytes += n;
    return n;
  }

  void writeHeader(TraceHeader h) {
    h.format_version = kFormatVersion;
    // Magic and header in one write: a recorder killed in between would
    // leave a file that is only the magic.
    auto magic = detail::encodeFileMagic();
    FrameHeader fh;
    fh.kind = FrameKind::Header;
    writeFrame(fh, messages.header(h), nullptr, magic);
  }

  void flushChunk() {
    uint32_t count = encoder.count();
    if (count == 0) return;
    uint64_t first_event = stats.events - count;
    auto number = static_cast<uint32_t>(stats.chunks);
    auto frame = encoder.frame(number, first_event);
    FrameHeader fh;
    fh.kind = FrameKind::Chunk;
    fh.count = count;
    fh.number = number;
    fh.first_seq = encoder.firstSeq();
    fh.last_seq = encoder.lastSeq();
    fh.min_ns = encoder.minNs();
    fh.max_ns = encoder.maxNs();
    fh.first_event = first_event;
    auto pieces = messages.chunk(frame);
    for (auto p : pieces) stats.raw_bytes += p.size();
    uint64_t offset = 0;
    uint64_t n = writeFrame(fh, pieces, &offset);
    detail::ChunkRef ref;
    ref.offset = offset;
    ref.compressed_size = static_cast<uint32_t>(n - detail::kFrameHeaderSize);
    ref.raw_size = static_cast<uint32_t>(seek.back().decompressed);
    ref.first_event = first_event;
    ref.count = count;
    ref.first_seq = fh.first_seq;
    ref.last_seq = fh.last_seq;
    ref.min_ns = fh.min_ns;
    ref.max_ns = fh.max_ns;
    index.chunks.push_back(ref);
    encoder.reset();
    stats.chunks++;
    stats.chunk_bytes += n;
    bytes_since_keyframe += n;
    events_since_keyframe += count;
    maybeKeyframe(false);
  }

  void maybeKeyframe(bool final) {
    if (!options.keyframes || !state.canKeyframe() || events_since_keyframe == 0) return;
    bool due = final || events_since_keyframe >= options.keyframe_max_events ||
               (events_since_keyframe >= options.keyframe_min_events &&
                bytes_since_keyframe >= options.keyframe_ratio * last_keyframe_size);
    if (due) writeKeyframe();
  }

  void writeKeyframe() {
    auto frame = keyframe_codec.encode(state, keyframe_number);
    FrameHeader fh;
    fh.kind = FrameKind::Keyframe;
    fh.number = keyframe_number;
    fh.first_seq = fh.last_seq = state.lastSeq();
    fh.min_ns = state.lastTimeNs();
    fh.max_ns = state.maxTimeNs();
    fh.first_event = state.applied();
    uint64_t offset = 0;
    uint64_t n = writeFrame(fh, messages.keyframe(frame), &offset);
    detail::KeyframeRef ref;
    ref.offset = offset;
    ref.compressed_size = static_cast<uint32_t>(n - detail::kFrameHeaderSize);
    ref.raw_size = seek.back().decompressed;
    ref.event_index = state.applied();
    ref.last_seq = state.lastSeq();
    ref.max_ns = state.maxTimeNs();
    index.keyframes.push_back(ref);
    keyframe_number++;
    stats.keyframes++;
    stats.keyframe_bytes += n;
    last_keyframe_size = n;
    bytes_since_keyframe = 0;
    events_since_keyframe = 0;
  }

  void count(const Event& ev) {
    detail::IndexTotals& t = index.totals;
    if (t.events == 0) t.first_ns = ev.time_ns;
    t.events++;
    t.by_kind[static_cast<unsigned>(ev.kind)]++;
    t.last_ns = ev.time_ns;
    if (ev.time_ns > t.max_ns) t.max_ns = ev.time_ns;
    t.last_seq = ev.seq;
    if (ev.kind == EventKind::Lost) t.lost_records += ev.lost.count;
    for (const VmaOp& op : ops) t.vma_ops[static_cast<unsigned>(op.kind)]++;
  }
};

TraceWriter::TraceWriter(const std::string& path, const TraceHeader& header,
                         const WriterOptions& options, const ShadowState* initial)
    : TraceWriter(detail::createPrivateFile(path).release(), path, header, options, initial) {}

TraceWriter::TraceWriter(int fd, const std::string& name, const TraceHeader& header,
                         const WriterOptions& options, const ShadowState* initial) {
  detail::UniqueFd owned(fd);
  if (initial && !initial->canKeyframe())
    throw Error(Error::Code::Usage, "a trace cannot start inside an mremap");
  impl_ = std::make_unique<Impl>(name, std::move(owned), header, options, initial);
  impl_->writeHeader(header);
  // The state the window starts from, before any event.
  if (initial) impl_->writeKeyframe();
}

TraceWriter::~TraceWriter() {
  if (!impl_->finished) {
    try {
      impl_->flushChunk();
    } catch (...) {
      // Destructors must not throw; the file keeps its earlier chunks.
    }
  }
}

void TraceWriter::append(const Event& ev) {
  Impl& w = *impl_;
  if (w.finished) throw Error(Error::Code::Usage, "append after finish");
  w.encoder.add(ev);  // validates before writing anything
  w.stats.events++;
  w.ops.clear();
  w.state.apply(ev, &w.ops);
  w.count(ev);
  const WriterOptions& o = w.options;
  uint32_t n = w.encoder.count();
  bool full = n >= o.chunk_events || static_cast<int64_t>(ev.time_ns - w.encoder.firstNs()) >
                                         static_cast<int64_t>(o.chunk_time_ns);
  // Summing the column sizes every 256 events is enough, except after a
  // large payload.
  if (!full && ((n & 255) == 0 || ev.entries.size() > 64 || !ev.data.empty()))
    full = w.encoder.rawBytes() >= o.chunk_raw_bytes;
  if (full) w.flushChunk();
}

void TraceWriter::flush() {
  if (impl_->finished) return;
  impl_->flushChunk();
}

void TraceWriter::setEndTime(uint64_t end_mono_ns) { impl_->index.end_mono_ns = end_mono_ns; }
void TraceWriter::setLossless(const LosslessTotals& l) { impl_->index.lossless = l; }
void TraceWriter::setFlight(const FlightInfo& f) { impl_->index.flight = f; }

void TraceWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) return;
  w.flushChunk();
  w.ops.clear();
  w.state.flushHeld(&w.ops);
  for (const VmaOp& op : w.ops) w.index.totals.vma_ops[static_cast<unsigned>(op.kind)]++;
  w.maybeKeyframe(true);
  std::vector<uint8_t> index_frame = detail::encodeIndexFrame(w.messages.index(w.index));
  w.seek.push_back({static_cast<uint32_t>(index_frame.size()), 0});
  std::vector<uint8_t> table = detail::encodeSeekTable(w.seek);
  std::array<std::span<const uint8_t>, 2> bufs{std::span<const uint8_t>(index_frame),
                                               std::span<const uint8_t>(table)};
  w.write(bufs);
  w.stats.file_bytes += index_frame.size() + table.size();
  w.stats.index_bytes = index_frame.size() + table.size();
  w.fd.reset();
  w.finished = true;
}

const WriterStats& TraceWriter::stats() const { return impl_->stats; }
const ShadowState& TraceWriter::state() const { return impl_->state; }

}  // namespace kmr
