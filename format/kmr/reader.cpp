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

// What opening the file found, shared by the readers of its streams.
struct TraceReader::File {
  std::string path;
  detail::MappedFile file;
  std::span<const uint8_t> bytes;
  TraceHeader header;
  uint64_t data_start = 0;  // first frame after the header frame
  bool has_index = false;
  bool truncated = false;
  std::string index_problem;
  std::vector<ChunkInfo> chunks;  // every stream's, in file order
  std::vector<KeyframeInfo> keyframes;
  std::vector<Damage> damage;
  std::vector<StreamInfo> streams;  // by id
  // Where each Frame{process} is (for verify()).
  struct ProcessFrame {
    uint64_t offset = 0;
    uint32_t compressed_size = 0;
    uint32_t raw_size = 0;
    uint32_t stream = 0;
  };
  std::vector<ProcessFrame> process_frames;
  TraceTotals totals;               // the index's (stream 0's)
  uint64_t index_bytes = 0;
  uint64_t keyframe_bytes = 0;
  uint64_t recording_end_ns = 0;  // from the index; 0 = unknown
  uint64_t last_event_ns = 0;     // highest event time of any stream
  std::optional<LosslessTotals> lossless;  // from the index
  std::optional<FlightInfo> flight;        // from the index
  mutable detail::Decompressor zstd;
  mutable AlignedBuffer scratch;

  explicit File(const std::string& p) : path(p), file(p), bytes(file.bytes()) {}

  bool hasStreams() const { return header.format_version >= kFirstStreamsVersion; }

  std::optional<FrameHeader> headerAt(uint64_t off) const {
    if (off > bytes.size() || bytes.size() - off < detail::kFrameHeaderSize) return std::nullopt;
    auto fh = detail::decodeFrameHeader(bytes.subspan(off, detail::kFrameHeaderSize));
    // Before version 3 the stream bytes were 0 and there were no process
    // frames: anything else is a damaged header there.
    if (fh && !hasStreams() && off >= data_start &&
        (fh->stream != 0 || fh->kind == FrameKind::Process))
      return std::nullopt;
    return fh;
  }

  // "chunk 7" in a one-process file, "chunk 7 of pid 4243" in others.
  std::string frameName(const char* what, uint32_t number, uint32_t stream) const {
    std::string n = std::string(what) + " " + std::to_string(number);
    if (streams.size() > 1 && stream < streams.size())
      n += " of pid " + std::to_string(streams[stream].process.pid);
    return n;
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
    uint32_t version = detail::checkFileMagic(bytes);
    header.format_version = version;  // headerAt() needs it before the header
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
    // The magic says which version wrote the file (a v2 header says 2).
    header.format_version = version;
    data_start = off + detail::kFrameHeaderSize + fh->compressed_size;
    streams.assign(1, StreamInfo{rootProcess(header), std::nullopt, 0, 0, true});
    if (!readIndex()) walk();
    for (const ChunkInfo& c : chunks) {
      streams[c.stream].events += c.count;
      streams[c.stream].chunks++;
      if (!c.unreadable) last_event_ns = std::max(last_event_ns, c.max_ns);
    }
  }

  bool indexFail(const std::string& why) {
    index_problem = why;
    chunks.clear();
    keyframes.clear();
    streams.resize(1);
    streams[0].facts.reset();
    process_frames.clear();
    damage.clear();  // only frame-header notes made while reading the index
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
    // The streams: version 3 lists every one (stream 0 first); version 2
    // has only the header's target.
    if (hasStreams()) {
      if (idx.streams.empty() || idx.streams.size() > kMaxStreams)
        return indexFail("index lists no streams");
      streams.clear();
      for (size_t i = 0; i < idx.streams.size(); i++) {
        const detail::StreamRef& r = idx.streams[i];
        if (r.process.stream != i || (r.process.parent_stream && *r.process.parent_stream >= i))
          return indexFail("index lists a stream out of place");
        StreamInfo si{r.process, r.facts, 0, 0, true};
        if (i == 0) si.process = rootProcess(header);  // the header has the names
        streams.push_back(std::move(si));
      }
    } else if (!idx.streams.empty() ||
               std::any_of(idx.chunks.begin(), idx.chunks.end(),
                           [](const detail::ChunkRef& c) { return c.stream != 0; }) ||
               std::any_of(idx.keyframes.begin(), idx.keyframes.end(),
                           [](const detail::KeyframeRef& k) { return k.stream != 0; })) {
      return indexFail("a version-2 index lists streams");
    }
    // Every frame must lie between the header and the index, in order;
    // each stream's chunks in its event order, its keyframes at its chunk
    // boundaries.
    struct Item {
      uint64_t offset;
      uint64_t size;
      int kind;  // 0 chunk, 1 keyframe, 2 process
      size_t i;
    };
    std::vector<Item> items;
    items.reserve(idx.chunks.size() + idx.keyframes.size() + idx.streams.size());
    // Chunks and keyframes are listed in file order; a keyframe follows
    // the chunk it ends, so at equal offsets... (offsets are distinct).
    for (size_t i = 0; i < idx.chunks.size(); i++)
      items.push_back({idx.chunks[i].offset, idx.chunks[i].compressed_size, 0, i});
    for (size_t i = 0; i < idx.keyframes.size(); i++)
      items.push_back({idx.keyframes[i].offset, idx.keyframes[i].compressed_size, 1, i});
    for (size_t i = 1; i < idx.streams.size(); i++)
      items.push_back({idx.streams[i].frame_offset, idx.streams[i].frame_size, 2, i});
    std::stable_sort(items.begin(), items.end(),
                     [](const Item& a, const Item& b) { return a.offset < b.offset; });
    uint64_t pos = data_start;
    std::vector<uint64_t> next_event(streams.size(), 0);
    std::vector<uint32_t> next_chunk(streams.size(), 0), next_keyframe(streams.size(), 0);
    std::vector<bool> declared(streams.size(), false);
    if (!declared.empty()) declared[0] = true;
    auto fits = [&](uint64_t o, uint64_t cs) {
      return o >= pos && o <= ioff && cs <= ioff - o &&
             detail::kFrameHeaderSize <= ioff - o - cs;
    };
    for (const Item& it : items) {
      if (!fits(it.offset, it.size)) return indexFail("index lists a frame out of place");
      if (it.kind == 0) {
        const detail::ChunkRef& c = idx.chunks[it.i];
        if (c.stream >= streams.size() || !declared[c.stream] ||
            c.first_event != next_event[c.stream] || c.count > detail::kMaxChunkEvents ||
            c.count == 0)
          return indexFail("index lists a chunk out of place");
        chunks.push_back({next_chunk[c.stream]++, c.offset, c.compressed_size, c.raw_size,
                          c.first_event, c.count, c.first_seq, c.last_seq, c.min_ns, c.max_ns,
                          false, c.stream});
        next_event[c.stream] += c.count;
      } else if (it.kind == 1) {
        const detail::KeyframeRef& k = idx.keyframes[it.i];
        if (k.stream >= streams.size() || !declared[k.stream] ||
            k.event_index != next_event[k.stream])
          return indexFail("index lists a keyframe out of place");
        keyframes.push_back({next_keyframe[k.stream]++, k.offset, k.compressed_size, k.raw_size,
                             k.event_index, k.last_seq, k.max_ns, k.stream});
      } else {
        declared[it.i] = true;
        auto fh = headerAt(it.offset);
        if (!fh || fh->kind != FrameKind::Process || fh->compressed_size != it.size ||
            fh->stream != it.i)
          damage.push_back({it.offset, -1,
                            "process frame of pid " + std::to_string(streams[it.i].process.pid) +
                                at(it.offset) +
                                ": frame header damaged (the index was used instead)",
                            static_cast<uint32_t>(it.i)});
        else
          process_frames.push_back({it.offset, fh->compressed_size, fh->raw_size,
                                    static_cast<uint32_t>(it.i)});
      }
      pos = it.offset + detail::kFrameHeaderSize + it.size;
    }
    if (pos != ioff) return indexFail("index does not account for every frame");
    if (idx.totals.events != next_event[0]) return indexFail("index totals disagree with its chunks");
    for (size_t s = 1; s < streams.size(); s++)
      if (streams[s].facts->totals.events != next_event[s])
        return indexFail("index totals disagree with its chunks");
    // The frame headers are redundant with the index; report any that are
    // damaged (the index is used instead).
    for (const ChunkInfo& c : chunks) {
      auto fh = headerAt(c.offset);
      if (!fh || fh->kind != FrameKind::Chunk || fh->compressed_size != c.compressed_size ||
          fh->raw_size != c.raw_size || fh->count != c.count || fh->first_event != c.first_event ||
          fh->min_ns != c.min_ns || fh->max_ns != c.max_ns || fh->stream != c.stream)
        damage.push_back({c.offset, c.number,
                          frameName("chunk", c.number, c.stream) + at(c.offset) +
                              ": frame header damaged (the index was used instead)",
                          c.stream});
    }
    for (const KeyframeInfo& k : keyframes) {
      auto fh = headerAt(k.offset);
      if (!fh || fh->kind != FrameKind::Keyframe || fh->compressed_size != k.compressed_size ||
          fh->stream != k.stream)
        damage.push_back({k.offset, -1,
                          frameName("keyframe", k.number, k.stream) + at(k.offset) +
                              ": frame header damaged (the index was used instead)",
                          k.stream});
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

  // A stream met while walking: known from its Frame{process}, or a
  // placeholder when that frame was lost.
  void ensureStream(uint32_t id) {
    while (streams.size() <= id) {
      StreamInfo si;
      si.process.stream = static_cast<uint32_t>(streams.size());
      si.declared = false;
      streams.push_back(std::move(si));
    }
  }

  void walk() {
    uint64_t pos = data_start;
    // Per stream: the next event ordinal, chunk and keyframe numbers.
    struct Next {
      uint64_t event = 0;
      uint32_t chunk = 0, keyframe = 0;
    };
    std::vector<Next> next(1);
    bool pending_gap = false;  // a stretch of damage before the next chunk
    uint64_t gap_offset = 0;
    while (pos < bytes.size()) {
      auto fh = headerAt(pos);
      if (fh && fh->stream >= kMaxStreams) fh.reset();
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
        uint64_t nextpos = resync(pos + 1);
        if (nextpos == UINT64_MAX) {
          if (bytes.size() - pos < detail::kFrameHeaderSize) {
            truncated = true;  // cut inside a frame header
          } else {
            truncated = true;
            damage.push_back({pos, static_cast<int64_t>(next[0].chunk),
                              "unreadable data" + at(pos) + " up to the end of the file"});
          }
          return;
        }
        damage.push_back({pos, static_cast<int64_t>(next[0].chunk),
                          "unreadable frame header" + at(pos) + "; skipped to offset " +
                              std::to_string(nextpos)});
        pending_gap = true;
        gap_offset = pos;
        pos = nextpos;
        continue;
      }
      uint64_t data = pos + detail::kFrameHeaderSize;
      if (fh->compressed_size > bytes.size() - data) {
        truncated = true;  // the writer was killed while writing this frame
        return;
      }
      uint32_t sid = fh->stream;
      if (sid >= next.size()) next.resize(sid + 1);
      Next& n = next[sid];
      if (fh->kind == FrameKind::Chunk) {
        if (fh->first_event < n.event || fh->count == 0 ||
            fh->count > detail::kMaxChunkEvents || fh->number < n.chunk) {
          damage.push_back({pos, fh->number, "chunk header out of sequence" + at(pos), sid});
        } else {
          ensureStream(sid);
          if (pending_gap || fh->first_event > n.event || fh->number > n.chunk) {
            ChunkInfo gap;
            gap.number = n.chunk;
            gap.offset = gap_offset ? gap_offset : pos;
            gap.first_event = n.event;
            gap.count = static_cast<uint32_t>(
                std::min<uint64_t>(fh->first_event - n.event, detail::kMaxChunkEvents));
            gap.unreadable = true;
            gap.stream = sid;
            if (gap.count) chunks.push_back(gap);
          }
          chunks.push_back({fh->number, pos, fh->compressed_size, fh->raw_size, fh->first_event,
                            fh->count, fh->first_seq, fh->last_seq, fh->min_ns, fh->max_ns,
                            false, sid});
          n.event = fh->first_event + fh->count;
          n.chunk = fh->number + 1;
        }
      } else if (fh->kind == FrameKind::Keyframe) {
        if (!pending_gap && fh->first_event == n.event && fh->number >= n.keyframe) {
          ensureStream(sid);
          keyframes.push_back({fh->number, pos, fh->compressed_size, fh->raw_size,
                               fh->first_event, fh->first_seq, fh->max_ns, sid});
          keyframe_bytes += detail::kFrameHeaderSize + fh->compressed_size;
          n.keyframe = fh->number + 1;
        }
      } else if (fh->kind == FrameKind::Process) {
        declare(*fh, pos);
      } else {
        damage.push_back({pos, -1, "a second header frame" + at(pos)});
      }
      pending_gap = false;
      gap_offset = 0;
      pos = data + fh->compressed_size;
    }
    truncated = true;  // walked to the end without meeting an index
  }

  // A Frame{process} met while walking.
  void declare(const FrameHeader& fh, uint64_t pos) {
    std::string name = "process frame" + at(pos);
    try {
      AlignedBuffer buf;
      auto msg = inflate(pos + detail::kFrameHeaderSize, fh.compressed_size, fh.raw_size, name,
                         buf, zstd);
      ProcessInfo p = detail::decodeProcess(msg);
      if (p.stream != fh.stream || p.stream == 0 ||
          (p.parent_stream && *p.parent_stream >= p.stream))
        throw Error(Error::Code::Damaged, name + ": disagrees with its frame header");
      ensureStream(p.stream);
      StreamInfo& s = streams[p.stream];
      if (s.declared) throw Error(Error::Code::Damaged, name + ": stream declared twice");
      s.process = std::move(p);
      s.declared = true;
      process_frames.push_back({pos, fh.compressed_size, fh.raw_size, fh.stream});
    } catch (const Error& e) {
      damage.push_back({pos, -1, e.what(), fh.stream});
    }
  }
};

struct TraceReader::Impl {
  std::shared_ptr<const File> f;
  uint32_t stream = 0;
  TraceHeader header;  // the file's, naming this stream's process
  std::vector<ChunkInfo> chunks;
  std::vector<KeyframeInfo> keyframes;
  const TraceTotals* totals = nullptr;
  uint64_t start_ns = 0;
  uint64_t end_ns = 0;  // span end: max(last event, recording end)
  uint64_t last_event_ns = 0;
  mutable detail::Decompressor zstd;

  Impl(std::shared_ptr<const File> file, uint32_t id) : f(std::move(file)), stream(id) {
    const StreamInfo& si = f->streams[id];
    header = f->header;
    if (id != 0) {
      header.pid = si.process.pid;
      header.ppid = si.process.ppid;
      header.comm = si.process.comm;
      header.cmdline = si.process.cmdline;
    }
    for (const ChunkInfo& c : f->chunks)
      if (c.stream == id) chunks.push_back(c);
    for (const KeyframeInfo& k : f->keyframes)
      if (k.stream == id) keyframes.push_back(k);
    if (f->has_index) totals = id == 0 ? &f->totals : &si.facts->totals;
    // Times are on the file's clock: the origin is the recording's start,
    // for every process.
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
    // A process that ended early is still part of a recording that went
    // on: its span runs to the last event of any process.
    end_ns = std::max({end_ns, f->recording_end_ns, f->last_event_ns});
  }

  // Decode chunk @c (of any stream) into @out.
  void load(const ChunkInfo& c, ChunkEvents& out) const;
};

TraceReader::TraceReader(const std::string& path) {
  auto file = std::make_shared<File>(path);
  try {
    file->open();
  } catch (const Error& e) {
    if (e.code() == Error::Code::Io) throw;
    throw Error(e.code(), path + ": " + e.what());
  }
  impl_ = std::make_unique<Impl>(std::move(file), 0);
}

TraceReader::TraceReader(std::shared_ptr<const File> file, uint32_t stream)
    : impl_(std::make_unique<Impl>(std::move(file), stream)) {}

TraceReader::~TraceReader() = default;

std::unique_ptr<TraceReader> TraceReader::openStream(uint32_t id) const {
  if (id >= impl_->f->streams.size())
    throw Error(Error::Code::Usage, impl_->f->path + ": no stream " + std::to_string(id) +
                                        " (the file has " +
                                        std::to_string(impl_->f->streams.size()) + ")");
  return std::unique_ptr<TraceReader>(new TraceReader(impl_->f, id));
}

const std::string& TraceReader::path() const { return impl_->f->path; }
const TraceHeader& TraceReader::header() const { return impl_->header; }
const std::vector<StreamInfo>& TraceReader::streams() const { return impl_->f->streams; }
uint32_t TraceReader::stream() const { return impl_->stream; }
const StreamInfo& TraceReader::streamInfo() const { return impl_->f->streams[impl_->stream]; }
uint64_t TraceReader::fileSize() const { return impl_->f->bytes.size(); }
bool TraceReader::hasIndex() const { return impl_->f->has_index; }
bool TraceReader::truncated() const { return impl_->f->truncated; }
const std::string& TraceReader::indexProblem() const { return impl_->f->index_problem; }
const std::vector<ChunkInfo>& TraceReader::chunks() const { return impl_->chunks; }
const std::vector<KeyframeInfo>& TraceReader::keyframes() const { return impl_->keyframes; }
const std::vector<Damage>& TraceReader::damage() const { return impl_->f->damage; }
const TraceTotals* TraceReader::indexTotals() const { return impl_->totals; }
uint64_t TraceReader::eventCount() const {
  const auto& c = impl_->chunks;
  return c.empty() ? 0 : c.back().first_event + c.back().count;
}
uint64_t TraceReader::startNs() const { return impl_->start_ns; }
uint64_t TraceReader::endNs() const { return impl_->end_ns; }
uint64_t TraceReader::lastEventNs() const { return impl_->last_event_ns; }
uint64_t TraceReader::recordingEndNs() const { return impl_->f->recording_end_ns; }
const std::optional<LosslessTotals>& TraceReader::lossless() const { return impl_->f->lossless; }
const std::optional<FlightInfo>& TraceReader::flight() const { return impl_->f->flight; }
uint64_t TraceReader::keyframeBytes() const { return impl_->f->keyframe_bytes; }
uint64_t TraceReader::indexBytes() const { return impl_->f->index_bytes; }

void TraceReader::Impl::load(const ChunkInfo& c, ChunkEvents& out) const {
  std::string name = f->frameName("chunk", c.number, c.stream) + at(c.offset);
  out.impl_->name = name;
  if (c.unreadable) throw Error(Error::Code::Damaged, name + ": unreadable");
  auto msg = f->inflate(c.offset + detail::kFrameHeaderSize, c.compressed_size, c.raw_size, name,
                        out.impl_->buffer, out.impl_->zstd);
  try {
    detail::ChunkFrame fr = detail::decodeChunk(msg);
    if (fr.number != c.number || fr.first_event != c.first_event || fr.count != c.count ||
        fr.stream != c.stream)
      throw Error(Error::Code::Damaged, "chunk message disagrees with its frame header");
    out.impl_->decoder.reset(fr);
  } catch (const Error& e) {
    throw Error(Error::Code::Damaged, name + ": " + e.what());
  }
}

void TraceReader::loadChunk(size_t i, ChunkEvents& out) const {
  impl_->load(impl_->chunks.at(i), out);
}

std::vector<Damage> TraceReader::verify() const {
  const File& f = *impl_->f;
  std::vector<Damage> out;
  ChunkEvents events;
  for (const ChunkInfo& c : f.chunks) {
    try {
      impl_->load(c, events);
    } catch (const Error& e) {
      out.push_back({c.offset, c.number, e.what(), c.stream});
    }
  }
  AlignedBuffer buf;
  for (const File::ProcessFrame& p : f.process_frames) {
    std::string name = "process frame of stream " + std::to_string(p.stream) + at(p.offset);
    try {
      auto msg = f.inflate(p.offset + detail::kFrameHeaderSize, p.compressed_size, p.raw_size,
                           name, buf, impl_->zstd);
      detail::decodeProcess(msg);
    } catch (const Error& e) {
      out.push_back({p.offset, -1, e.what(), p.stream});
    }
  }
  for (const KeyframeInfo& k : f.keyframes) {
    std::string name = f.frameName("keyframe", k.number, k.stream) + at(k.offset);
    try {
      auto msg = f.inflate(k.offset + detail::kFrameHeaderSize, k.compressed_size, k.raw_size,
                           name, buf, impl_->zstd);
      detail::decodeKeyframe(msg);
    } catch (const Error& e) {
      out.push_back({k.offset, -1, e.what(), k.stream});
    }
  }
  return out;
}

void TraceReader::loadKeyframe(size_t i, ShadowState& s) const {
  const KeyframeInfo& k = impl_->keyframes.at(i);
  const File& f = *impl_->f;
  std::string name = f.frameName("keyframe", k.number, k.stream) + at(k.offset);
  AlignedBuffer buf;
  auto msg = f.inflate(k.offset + detail::kFrameHeaderSize, k.compressed_size, k.raw_size, name,
                       buf, impl_->zstd);
  try {
    detail::KeyframeFrame fr = detail::decodeKeyframe(msg);
    if (fr.event_index != k.event_index || fr.stream != k.stream)
      throw Error(Error::Code::Damaged, "keyframe disagrees with its frame header");
    ShadowState fresh(impl_->header.range_start, impl_->header.range_end);
    KeyframeCodec::decode(fr, fresh);
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
  damage_.push_back({c.offset, c.number, e.what(), c.stream});
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
