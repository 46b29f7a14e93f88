#include "kmr/reader.h"

#include <algorithm>
#include <cstring>

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

namespace {

std::string at(uint64_t off) { return " at offset " + std::to_string(off); }

// A word-aligned buffer for one decompressed message, reused.
class AlignedBuffer {
 public:
  std::span<uint8_t> get(size_t bytes) {
    size_t words = (bytes + 7) / 8;
    if (words > cap_) {
      buf_ = std::make_unique_for_overwrite<uint64_t[]>(words);
      cap_ = words;
    }
    return {reinterpret_cast<uint8_t*>(buf_.get()), bytes};
  }

 private:
  std::unique_ptr<uint64_t[]> buf_;
  size_t cap_ = 0;
};

}  // namespace

struct ChunkEvents::Impl {
  AlignedBuffer buffer;
  detail::Decompressor zstd;
  detail::ChunkDecoder decoder;
  std::string name;  // "chunk 7" for messages
};

ChunkEvents::ChunkEvents() : impl_(std::make_unique<Impl>()) {}
ChunkEvents::~ChunkEvents() = default;
uint32_t ChunkEvents::count() const { return impl_->decoder.count(); }
uint32_t ChunkEvents::decoded() const { return impl_->decoder.decoded(); }

bool ChunkEvents::next(Event& ev) {
  try {
    return impl_->decoder.next(ev);
  } catch (const Error& e) {
    throw Error(Error::Code::Damaged, impl_->name + ": " + e.what());
  }
}

size_t ChunkEvents::nextBatch(std::span<Event> out) {
  try {
    return impl_->decoder.nextBatch(out);
  } catch (const Error& e) {
    throw Error(Error::Code::Damaged, impl_->name + ": " + e.what());
  }
}

struct TraceReader::Impl {
  std::string path;
  detail::MappedFile file;
  std::span<const uint8_t> bytes;
  TraceHeader header;
  uint64_t data_start = 0;  // first frame after the header frame
  bool has_index = false;
  bool truncated = false;
  std::string index_problem;
  std::vector<ChunkInfo> chunks;
  std::vector<KeyframeInfo> keyframes;
  std::vector<Damage> damage;
  TraceTotals totals;
  uint64_t index_bytes = 0;
  uint64_t keyframe_bytes = 0;
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;        // span end: max(last event, recording end)
  uint64_t last_event_ns = 0;
  uint64_t recording_end_ns = 0;  // from the index; 0 = unknown
  std::optional<LosslessTotals> lossless;  // from the index
  std::optional<FlightInfo> flight;        // from the index
  mutable detail::Decompressor zstd;
  mutable AlignedBuffer scratch;

  explicit Impl(const std::string& p) : path(p), file(p), bytes(file.bytes()) {}

  std::optional<FrameHeader> headerAt(uint64_t off) const {
    if (off > bytes.size() || bytes.size() - off < detail::kFrameHeaderSize) return std::nullopt;
    return detail::decodeFrameHeader(bytes.subspan(off, detail::kFrameHeaderSize));
  }

  // Decompress the data frame [off, off + csize) of `raw` bytes; returns
  // the message or throws Error(Damaged) with `what` as prefix.
  std::span<const uint8_t> inflate(uint64_t off, uint64_t csize, uint64_t raw,
                                   const std::string& what, AlignedBuffer& buf,
                                   detail::Decompressor& z) const {
    if (off > bytes.size() || csize > bytes.size() - off)
      throw Error(Error::Code::Damaged, what + ": frame extends past the end of the file");
    if (raw > detail::kMaxFrameRawBytes || raw % 8)
      throw Error(Error::Code::Damaged, what + ": implausible message size");
    auto out = buf.get(raw);
    std::string err = z.decompress(bytes.subspan(off, csize), out);
    if (!err.empty()) throw Error(Error::Code::Damaged, what + ": " + err);
    return out;
  }

  void open() {
    // A recorder killed (SIGKILL) before the trace header was out leaves an
    // empty file, the 32-byte magic or part of the header: say so, rather
    // than "damaged" (it never held a trace).
    static const std::string kStoppedEarly = ": the recorder stopped before writing anything";
    if (bytes.empty()) throw Error(Error::Code::NotATrace, "the file is empty" + kStoppedEarly);
    auto magic = detail::encodeFileMagic();
    if (bytes.size() < magic.size() && std::memcmp(bytes.data(), magic.data(), bytes.size()) == 0)
      throw Error(Error::Code::NotATrace, "the file magic is cut short" + kStoppedEarly);
    detail::checkFileMagic(bytes);
    uint64_t off = detail::kFileMagicSize;
    if (bytes.size() == off)
      throw Error(Error::Code::NotATrace,
                  "the file holds only its 32-byte magic, no trace header" + kStoppedEarly);
    auto fh = headerAt(off);
    bool header_cut;
    if (fh) {
      header_cut = fh->kind == FrameKind::Header &&
                   fh->compressed_size > bytes.size() - off - detail::kFrameHeaderSize;
    } else {
      // Less than a frame header left, and what is there starts like one.
      uint8_t magic[4];
      detail::storeLe32(magic, detail::kFrameHeaderMagic);
      size_t left = bytes.size() - off;
      header_cut = left < detail::kFrameHeaderSize &&
                   std::memcmp(bytes.data() + off, magic, std::min<size_t>(left, 4)) == 0;
    }
    if (header_cut)
      throw Error(Error::Code::NotATrace, "the trace header is cut short (the file has " +
                                              std::to_string(bytes.size()) + " bytes)" +
                                              kStoppedEarly);
    if (!fh || fh->kind != FrameKind::Header)
      throw Error(Error::Code::Damaged, "the trace header frame" + at(off) + " is damaged");
    auto msg = inflate(off + detail::kFrameHeaderSize, fh->compressed_size, fh->raw_size,
                       "the trace header frame", scratch, zstd);
    header = detail::decodeHeader(msg);
    data_start = off + detail::kFrameHeaderSize + fh->compressed_size;
    if (!readIndex()) walk();
    start_ns = header.start_mono_ns;
    end_ns = 0;
    for (const ChunkInfo& c : chunks)
      if (!c.unreadable) {
        if (start_ns == 0) start_ns = c.min_ns;
        end_ns = std::max(end_ns, c.max_ns);
      }
    if (end_ns < start_ns) end_ns = start_ns;
    last_event_ns = end_ns;
    // Nothing changed between the last event and the time recording
    // stopped, so the span runs to it.  (A file without index has none.)
    end_ns = std::max(end_ns, recording_end_ns);
  }

  bool indexFail(const std::string& why) {
    index_problem = why;
    chunks.clear();
    keyframes.clear();
    return false;
  }

  bool readIndex() {
    auto table = detail::decodeSeekTable(bytes);
    if (!table) {
      index_problem = "no seek table at the end of the file";
      return false;
    }
    if (table->entries.empty()) return indexFail("empty seek table");
    uint64_t isize = table->entries.back().compressed;
    if (isize > table->offset) return indexFail("seek table points before the file");
    uint64_t ioff = table->offset - isize;
    auto ip = detail::decodeIndexFrame(bytes.subspan(ioff, isize));
    if (!ip.error.empty()) return indexFail(ip.error + at(ioff));
    auto buf = scratch.get(ip.payload.size());
    std::memcpy(buf.data(), ip.payload.data(), ip.payload.size());
    detail::IndexData idx;
    try {
      idx = detail::decodeIndex(buf);
    } catch (const Error& e) {
      return indexFail(std::string(e.what()) + at(ioff));
    }
    // Every frame must lie between the header and the index, in order,
    // chunks back to back in event order.
    uint64_t pos = data_start, next_event = 0;
    size_t ki = 0;
    auto fits = [&](uint64_t o, uint64_t cs) {
      return o >= pos && o <= ioff && cs <= ioff - o &&
             detail::kFrameHeaderSize <= ioff - o - cs;
    };
    for (size_t i = 0; i < idx.chunks.size(); i++) {
      const detail::ChunkRef& c = idx.chunks[i];
      while (ki < idx.keyframes.size() && idx.keyframes[ki].offset < c.offset) {
        const detail::KeyframeRef& k = idx.keyframes[ki];
        if (!fits(k.offset, k.compressed_size) || k.event_index != next_event)
          return indexFail("index lists a keyframe out of place");
        keyframes.push_back({static_cast<uint32_t>(ki), k.offset, k.compressed_size, k.raw_size,
                             k.event_index, k.last_seq, k.max_ns});
        pos = k.offset + detail::kFrameHeaderSize + k.compressed_size;
        ki++;
      }
      if (!fits(c.offset, c.compressed_size) || c.first_event != next_event ||
          c.count > detail::kMaxChunkEvents || c.count == 0)
        return indexFail("index lists a chunk out of place");
      chunks.push_back({static_cast<uint32_t>(i), c.offset, c.compressed_size, c.raw_size,
                        c.first_event, c.count, c.first_seq, c.last_seq, c.min_ns, c.max_ns,
                        false});
      pos = c.offset + detail::kFrameHeaderSize + c.compressed_size;
      next_event += c.count;
    }
    for (; ki < idx.keyframes.size(); ki++) {
      const detail::KeyframeRef& k = idx.keyframes[ki];
      if (!fits(k.offset, k.compressed_size) || k.event_index != next_event)
        return indexFail("index lists a keyframe out of place");
      keyframes.push_back({static_cast<uint32_t>(ki), k.offset, k.compressed_size, k.raw_size,
                           k.event_index, k.last_seq, k.max_ns});
      pos = k.offset + detail::kFrameHeaderSize + k.compressed_size;
    }
    if (pos != ioff) return indexFail("index does not account for every frame");
    if (idx.totals.events != next_event) return indexFail("index totals disagree with its chunks");
    // The frame headers are redundant with the index; report any that are
    // damaged (the index is used instead).
    for (const ChunkInfo& c : chunks) {
      auto fh = headerAt(c.offset);
      if (!fh || fh->kind != FrameKind::Chunk || fh->compressed_size != c.compressed_size ||
          fh->raw_size != c.raw_size || fh->count != c.count || fh->first_event != c.first_event ||
          fh->min_ns != c.min_ns || fh->max_ns != c.max_ns)
        damage.push_back({c.offset, c.number,
                          "chunk " + std::to_string(c.number) + at(c.offset) +
                              ": frame header damaged (the index was used instead)"});
    }
    for (const KeyframeInfo& k : keyframes) {
      auto fh = headerAt(k.offset);
      if (!fh || fh->kind != FrameKind::Keyframe || fh->compressed_size != k.compressed_size)
        damage.push_back({k.offset, -1,
                          "keyframe " + std::to_string(k.number) + at(k.offset) +
                              ": frame header damaged (the index was used instead)"});
      keyframe_bytes += detail::kFrameHeaderSize + k.compressed_size;
    }
    totals = idx.totals;
    recording_end_ns = idx.end_mono_ns;
    lossless = idx.lossless;
    flight = idx.flight;
    has_index = true;
    index_bytes = bytes.size() - ioff;
    return true;
  }

  // Does the trailer starting with the index frame at `pos` end early?
  bool trailerCut(uint64_t pos) const {
    uint64_t left = bytes.size() - pos;
    uint64_t isize = detail::kSkippableHeaderSize + detail::loadLe32(bytes.data() + pos + 4);
    if (isize > left) return true;
    left -= isize;
    const uint8_t* t = bytes.data() + pos + isize;
    if (left < detail::kSkippableHeaderSize) return true;
    if (detail::loadLe32(t) != detail::kSeekTableMagic) return false;
    return detail::kSkippableHeaderSize + uint64_t{detail::loadLe32(t + 4)} > left;
  }

  // Position of the next good frame header at or after `from`, or npos.
  uint64_t resync(uint64_t from) const {
    static constexpr uint8_t kMagic[4] = {0x51, 0x2A, 0x4D, 0x18};
    for (uint64_t p = from; p + detail::kFrameHeaderSize <= bytes.size(); p++) {
      const uint8_t* hit = static_cast<const uint8_t*>(
          std::memchr(bytes.data() + p, kMagic[0], bytes.size() - p));
      if (!hit) break;
      p = static_cast<uint64_t>(hit - bytes.data());
      if (p + detail::kFrameHeaderSize > bytes.size()) break;
      if (std::memcmp(hit, kMagic, 4) == 0 && headerAt(p)) return p;
    }
    return UINT64_MAX;
  }

  void walk() {
    uint64_t pos = data_start, next_event = 0;
    uint32_t next_chunk = 0, next_keyframe = 0;
    bool pending_gap = false;  // a stretch of damage before the next chunk
    uint64_t gap_offset = 0;
    while (pos < bytes.size()) {
      auto fh = headerAt(pos);
      if (!fh) {
        if (bytes.size() - pos >= 8 && detail::loadLe32(bytes.data() + pos) ==
                                           detail::kIndexFrameMagic) {
          // The writer finished: every data frame is here.  A trailer that
          // runs past the end was cut; one that is whole but unusable is
          // damaged.
          if (trailerCut(pos)) truncated = true;
          else
            damage.push_back({pos, -1, "index or seek table damaged (" + index_problem +
                                           "); read by walking the frames"});
          return;
        }
        uint64_t next = resync(pos + 1);
        if (next == UINT64_MAX) {
          if (bytes.size() - pos < detail::kFrameHeaderSize) {
            truncated = true;  // cut inside a frame header
          } else {
            truncated = true;
            damage.push_back({pos, static_cast<int64_t>(next_chunk),
                              "unreadable data" + at(pos) + " up to the end of the file"});
          }
          return;
        }
        damage.push_back({pos, static_cast<int64_t>(next_chunk),
                          "unreadable frame header" + at(pos) + "; skipped to offset " +
                              std::to_string(next)});
        pending_gap = true;
        gap_offset = pos;
        pos = next;
        continue;
      }
      uint64_t data = pos + detail::kFrameHeaderSize;
      if (fh->compressed_size > bytes.size() - data) {
        truncated = true;  // the writer was killed while writing this frame
        return;
      }
      if (fh->kind == FrameKind::Chunk) {
        if (fh->first_event < next_event || fh->count == 0 ||
            fh->count > detail::kMaxChunkEvents || fh->number < next_chunk) {
          damage.push_back({pos, fh->number, "chunk header out of sequence" + at(pos)});
        } else {
          if (pending_gap || fh->first_event > next_event || fh->number > next_chunk) {
            ChunkInfo gap;
            gap.number = next_chunk;
            gap.offset = gap_offset ? gap_offset : pos;
            gap.first_event = next_event;
            gap.count = static_cast<uint32_t>(
                std::min<uint64_t>(fh->first_event - next_event, detail::kMaxChunkEvents));
            gap.unreadable = true;
            if (gap.count) chunks.push_back(gap);
          }
          chunks.push_back({fh->number, pos, fh->compressed_size, fh->raw_size, fh->first_event,
                            fh->count, fh->first_seq, fh->last_seq, fh->min_ns, fh->max_ns,
                            false});
          next_event = fh->first_event + fh->count;
          next_chunk = fh->number + 1;
        }
      } else if (fh->kind == FrameKind::Keyframe) {
        if (!pending_gap && fh->first_event == next_event && fh->number >= next_keyframe) {
          keyframes.push_back({fh->number, pos, fh->compressed_size, fh->raw_size,
                               fh->first_event, fh->first_seq, fh->max_ns});
          keyframe_bytes += detail::kFrameHeaderSize + fh->compressed_size;
          next_keyframe = fh->number + 1;
        }
      } else {
        damage.push_back({pos, -1, "a second header frame" + at(pos)});
      }
      pending_gap = false;
      gap_offset = 0;
      pos = data + fh->compressed_size;
    }
    truncated = true;  // walked to the end without meeting an index
  }
};

TraceReader::TraceReader(const std::string& path) : impl_(std::make_unique<Impl>(path)) {
  try {
    impl_->open();
  } catch (const Error& e) {
    if (e.code() == Error::Code::Io) throw;
    throw Error(e.code(), path + ": " + e.what());
  }
}

TraceReader::~TraceReader() = default;

const std::string& TraceReader::path() const { return impl_->path; }
const TraceHeader& TraceReader::header() const { return impl_->header; }
uint64_t TraceReader::fileSize() const { return impl_->bytes.size(); }
bool TraceReader::hasIndex() const { return impl_->has_index; }
bool TraceReader::truncated() const { return impl_->truncated; }
const std::string& TraceReader::indexProblem() const { return impl_->index_problem; }
const std::vector<ChunkInfo>& TraceReader::chunks() const { return impl_->chunks; }
const std::vector<KeyframeInfo>& TraceReader::keyframes() const { return impl_->keyframes; }
const std::vector<Damage>& TraceReader::damage() const { return impl_->damage; }
const TraceTotals* TraceReader::indexTotals() const {
  return impl_->has_index ? &impl_->totals : nullptr;
}
uint64_t TraceReader::eventCount() const {
  const auto& c = impl_->chunks;
  return c.empty() ? 0 : c.back().first_event + c.back().count;
}
uint64_t TraceReader::startNs() const { return impl_->start_ns; }
uint64_t TraceReader::endNs() const { return impl_->end_ns; }
uint64_t TraceReader::lastEventNs() const { return impl_->last_event_ns; }
uint64_t TraceReader::recordingEndNs() const { return impl_->recording_end_ns; }
const std::optional<LosslessTotals>& TraceReader::lossless() const { return impl_->lossless; }
const std::optional<FlightInfo>& TraceReader::flight() const { return impl_->flight; }
uint64_t TraceReader::keyframeBytes() const { return impl_->keyframe_bytes; }
uint64_t TraceReader::indexBytes() const { return impl_->index_bytes; }

void TraceReader::loadChunk(size_t i, ChunkEvents& out) const {
  const ChunkInfo& c = impl_->chunks.at(i);
  std::string name = "chunk " + std::to_string(c.number) + at(c.offset);
  out.impl_->name = name;
  if (c.unreadable) throw Error(Error::Code::Damaged, name + ": unreadable");
  auto msg = impl_->inflate(c.offset + detail::kFrameHeaderSize, c.compressed_size, c.raw_size,
                            name, out.impl_->buffer, out.impl_->zstd);
  try {
    detail::ChunkFrame f = detail::decodeChunk(msg);
    if (f.number != c.number || f.first_event != c.first_event || f.count != c.count)
      throw Error(Error::Code::Damaged, "chunk message disagrees with its frame header");
    out.impl_->decoder.reset(f);
  } catch (const Error& e) {
    throw Error(Error::Code::Damaged, name + ": " + e.what());
  }
}

std::vector<Damage> TraceReader::verify() const {
  std::vector<Damage> out;
  ChunkEvents events;
  for (size_t i = 0; i < impl_->chunks.size(); i++) {
    try {
      loadChunk(i, events);
    } catch (const Error& e) {
      out.push_back({impl_->chunks[i].offset, impl_->chunks[i].number, e.what()});
    }
  }
  AlignedBuffer buf;
  for (const KeyframeInfo& k : impl_->keyframes) {
    std::string name = "keyframe " + std::to_string(k.number) + at(k.offset);
    try {
      auto msg = impl_->inflate(k.offset + detail::kFrameHeaderSize, k.compressed_size,
                                k.raw_size, name, buf, impl_->zstd);
      detail::decodeKeyframe(msg);
    } catch (const Error& e) {
      out.push_back({k.offset, -1, e.what()});
    }
  }
  return out;
}

void TraceReader::loadKeyframe(size_t i, ShadowState& s) const {
  const KeyframeInfo& k = impl_->keyframes.at(i);
  std::string name = "keyframe " + std::to_string(k.number) + at(k.offset);
  AlignedBuffer buf;
  auto msg = impl_->inflate(k.offset + detail::kFrameHeaderSize, k.compressed_size, k.raw_size,
                            name, buf, impl_->zstd);
  try {
    detail::KeyframeFrame f = detail::decodeKeyframe(msg);
    if (f.event_index != k.event_index)
      throw Error(Error::Code::Damaged, "keyframe disagrees with its frame header");
    ShadowState fresh(impl_->header.range_start, impl_->header.range_end);
    KeyframeCodec::decode(f, fresh);
    s = std::move(fresh);
  } catch (const Error& e) {
    throw Error(Error::Code::Damaged, name + ": " + e.what());
  }
}

EventStream::EventStream(const TraceReader& reader, size_t first_chunk)
    : reader_(reader), chunk_(first_chunk) {
  const auto& c = reader.chunks();
  position_ = first_chunk < c.size() ? c[first_chunk].first_event : reader.eventCount();
}

EventStream::~EventStream() = default;

// Damage in the current chunk (columns) or when loading it: the rest of
// the chunk becomes one GAP event.
bool EventStream::gapFor(const Error& e, Event& ev) {
  const ChunkInfo& c = reader_.chunks()[chunk_];
  damage_.push_back({c.offset, c.number, e.what()});
  uint64_t left = c.first_event + c.count - position_;
  ev = Event{};
  ev.kind = EventKind::Gap;
  ev.seq = in_chunk_ ? c.last_seq : c.first_seq;
  ev.time_ns = in_chunk_ ? c.max_ns : c.min_ns;
  ev.gap = {c.number, left, c.min_ns, c.max_ns};
  position_ = c.first_event + c.count;
  in_chunk_ = false;
  chunk_++;
  return true;
}

size_t EventStream::nextBatch(std::span<Event> out) {
  const auto& chunks = reader_.chunks();
  while (!out.empty()) {
    if (!in_chunk_) {
      if (chunk_ >= chunks.size()) return 0;
      try {
        reader_.loadChunk(chunk_, events_);
        in_chunk_ = true;
      } catch (const Error& e) {
        return gapFor(e, out[0]) ? 1 : 0;
      }
    }
    try {
      size_t n = events_.nextBatch(out);
      if (n) {
        position_ += n;
        return n;
      }
      in_chunk_ = false;
      chunk_++;
    } catch (const Error& e) {
      return gapFor(e, out[0]) ? 1 : 0;
    }
  }
  return 0;
}

bool EventStream::next(Event& ev) { return nextBatch({&ev, 1}) == 1; }

}  // namespace kmr
