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

namespace {

// One process: its chunk being filled, its shadow state and keyframe
// schedule, and what the index says about it.
struct StreamWriter {
  StreamWriter(const ProcessInfo& p, ShadowState s) : process(p), state(std::move(s)) {}

  ProcessInfo process;
  detail::ChunkEncoder encoder;
  ShadowState state;
  uint64_t events = 0;  // appended to this stream (its next ordinal)
  uint32_t chunks = 0;  // written (the next chunk's number)
  uint32_t keyframe_number = 0;
  uint64_t bytes_since_keyframe = 0;
  uint64_t events_since_keyframe = 0;
  uint64_t last_keyframe_size = 0;
  uint64_t pending_since = 0;  // file chunk count when its partial chunk began
  StreamFacts facts;
  uint64_t frame_offset = 0;  // its Frame{process}; 0 for stream 0
  uint32_t frame_size = 0;

  // Present pages now (a tree count when the table changed: called per
  // chunk and before the address space goes, not per event).
  void samplePeak() {
    facts.peak_pages = std::max(facts.peak_pages, state.pages().presentPages());
  }
};

}  // namespace

struct TraceWriter::Impl {
  Impl(const std::string& p, detail::UniqueFd f, const TraceHeader& h, const WriterOptions& o,
       const ShadowState* initial)
      : path(p), options(o), fd(std::move(f)), compressor(o.zstd_level), header(h) {
    streams.push_back(std::make_unique<StreamWriter>(
        rootProcess(h), initial ? *initial : ShadowState(h.range_start, h.range_end)));
    if (initial) streams[0]->state.restartPosition();
  }

  std::string path;
  WriterOptions options;
  detail::UniqueFd fd;
  detail::Compressor compressor;
  detail::MessageWriter messages;
  KeyframeCodec keyframe_codec;
  TraceHeader header;
  std::vector<std::unique_ptr<StreamWriter>> streams;  // by id
  std::vector<VmaOp> ops;
  detail::IndexData index;
  std::vector<detail::SeekEntry> seek;
  WriterStats stats;
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

  uint32_t addStream(ProcessInfo p) {
    if (finished) throw Error(Error::Code::Usage, "addStream after finish");
    if (streams.size() >= kMaxStreams)
      throw Error(Error::Code::Usage, "more than " + std::to_string(kMaxStreams) +
                                          " processes in one trace");
    if (p.parent_stream && *p.parent_stream >= streams.size())
      throw Error(Error::Code::Usage, "parent stream " + std::to_string(*p.parent_stream) +
                                          " is not declared");
    p.stream = static_cast<uint32_t>(streams.size());
    FrameHeader fh;
    fh.kind = FrameKind::Process;
    fh.number = p.stream;
    fh.stream = p.stream;
    fh.min_ns = fh.max_ns = p.start_ns;
    uint64_t offset = 0;
    uint64_t n = writeFrame(fh, messages.process(p), &offset);
    auto s = std::make_unique<StreamWriter>(p, ShadowState(header.range_start, header.range_end));
    s->frame_offset = offset;
    s->frame_size = static_cast<uint32_t>(n - detail::kFrameHeaderSize);
    streams.push_back(std::move(s));
    stats.streams = streams.size();
    return p.stream;
  }

  StreamWriter& stream(uint32_t id) {
    if (id >= streams.size())
      throw Error(Error::Code::Usage, "stream " + std::to_string(id) + " is not declared");
    return *streams[id];
  }

  void flushChunk(StreamWriter& s) {
    detail::ChunkEncoder& encoder = s.encoder;
    uint32_t count = encoder.count();
    if (count == 0) return;
    uint64_t first_event = s.events - count;
    uint32_t number = s.chunks;
    auto frame = encoder.frame(number, first_event);
    frame.stream = s.process.stream;
    FrameHeader fh;
    fh.kind = FrameKind::Chunk;
    fh.count = count;
    fh.number = number;
    fh.first_seq = encoder.firstSeq();
    fh.last_seq = encoder.lastSeq();
    fh.min_ns = encoder.minNs();
    fh.max_ns = encoder.maxNs();
    fh.first_event = first_event;
    fh.stream = s.process.stream;
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
    ref.stream = s.process.stream;
    index.chunks.push_back(ref);
    encoder.reset();
    s.chunks++;
    stats.chunks++;
    stats.chunk_bytes += n;
    s.bytes_since_keyframe += n;
    s.events_since_keyframe += count;
    s.samplePeak();
    maybeKeyframe(s, false);
  }

  // After a chunk of @s at trace time @now_ns: write the partial chunks
  // other streams have held too long (see writer.h).
  void flushIdle(const StreamWriter& s, uint64_t now_ns) {
    if (streams.size() == 1) return;
    for (auto& t : streams) {
      if (t.get() == &s || t->encoder.count() == 0) continue;
      bool old = static_cast<int64_t>(now_ns - t->encoder.firstNs()) >
                 static_cast<int64_t>(options.chunk_time_ns);
      if (old || stats.chunks - t->pending_since >= kIdleChunks) flushChunk(*t);
    }
  }

  void maybeKeyframe(StreamWriter& s, bool final) {
    if (!options.keyframes || !s.state.canKeyframe() || s.events_since_keyframe == 0) return;
    bool due = final || s.events_since_keyframe >= options.keyframe_max_events ||
               (s.events_since_keyframe >= options.keyframe_min_events &&
                s.bytes_since_keyframe >= options.keyframe_ratio * s.last_keyframe_size);
    if (due) writeKeyframe(s);
  }

  void writeKeyframe(StreamWriter& s) {
    const ShadowState& state = s.state;
    auto frame = keyframe_codec.encode(state, s.keyframe_number);
    frame.stream = s.process.stream;
    FrameHeader fh;
    fh.kind = FrameKind::Keyframe;
    fh.number = s.keyframe_number;
    fh.first_seq = fh.last_seq = state.lastSeq();
    fh.min_ns = state.lastTimeNs();
    fh.max_ns = state.maxTimeNs();
    fh.first_event = state.applied();
    fh.stream = s.process.stream;
    uint64_t offset = 0;
    uint64_t n = writeFrame(fh, messages.keyframe(frame), &offset);
    detail::KeyframeRef ref;
    ref.offset = offset;
    ref.compressed_size = static_cast<uint32_t>(n - detail::kFrameHeaderSize);
    ref.raw_size = seek.back().decompressed;
    ref.event_index = state.applied();
    ref.last_seq = state.lastSeq();
    ref.max_ns = state.maxTimeNs();
    ref.stream = s.process.stream;
    index.keyframes.push_back(ref);
    s.keyframe_number++;
    stats.keyframes++;
    stats.keyframe_bytes += n;
    s.last_keyframe_size = n;
    s.bytes_since_keyframe = 0;
    s.events_since_keyframe = 0;
  }

  // The kinds with work beyond the common bookkeeping, tested once per
  // event instead of kind by kind.
  static constexpr uint32_t kRareKinds =
      1u << KMR_EV_EXIT | 1u << KMR_EV_PTE_UNMAP | 1u << KMR_EV_LOST | 1u << KMR_EV_EXEC;

  // Inline: appendPair() runs it for every fault, with @rare false (out
  // of line it was ~23 instructions of the recorder's per-fault cost).
  [[gnu::always_inline]] void count(StreamWriter& s, const Event& ev, bool rare) {
    TraceTotals& t = s.facts.totals;
    if (t.events == 0) t.first_ns = ev.time_ns;
    t.events++;
    t.by_kind[static_cast<unsigned>(ev.kind)]++;
    t.last_ns = ev.time_ns;
    if (ev.time_ns > t.max_ns) t.max_ns = ev.time_ns;
    t.last_seq = ev.seq;
    for (const VmaOp& op : ops) t.vma_ops[static_cast<unsigned>(op.kind)]++;
    if (!rare) return;
    if (ev.kind == EventKind::Lost) {
      t.lost_records += ev.lost.count;
    } else if (ev.kind == EventKind::Exit) {
      s.facts.exited = true;
      s.facts.exit_code = ev.exit.code;
    } else if (ev.kind == EventKind::Exec) {
      s.facts.last_exec.assign(ev.text);
    }
  }

  void checkOpen() const {
    if (finished) throw Error(Error::Code::Usage, "append after finish");
  }

  // The chunk of @s is full after an event at @time_ns: by count, by time
  // span, or, when @sample_bytes, by its columns' size.  (Summing the
  // column sizes every 256 events is enough, except after a large payload:
  // the callers say when.)
  [[gnu::always_inline]] bool chunkFull(const StreamWriter& s, uint64_t time_ns,
                                        bool sample_bytes) const {
    const WriterOptions& o = options;
    if (s.encoder.count() >= o.chunk_events ||
        static_cast<int64_t>(time_ns - s.encoder.firstNs()) > static_cast<int64_t>(o.chunk_time_ns))
      return true;
    return sample_bytes && s.encoder.rawBytes() >= o.chunk_raw_bytes;
  }

  // After checkOpen().  Inlined into appendAll's loop: its call and frame
  // were ~15 instructions of the recorder's per-event cost.
  [[gnu::always_inline]] void append(StreamWriter& s, const Event& ev) {
    s.encoder.add(ev);  // validates before writing anything
    if (s.encoder.count() == 1) s.pending_since = stats.chunks;
    s.events++;
    stats.events++;
    const bool rare = kRareKinds >> static_cast<unsigned>(ev.kind) & 1;
    // The address space is about to go: its size now is the process's
    // last (usually largest) one.
    if (rare && (ev.kind == EventKind::Exit ||
                 (ev.kind == EventKind::PteUnmap && ev.flags == KMR_UNMAP_RELEASE)))
      s.samplePeak();
    ops.clear();
    s.state.apply(ev, &ops);
    count(s, ev, rare);
    const uint32_t n = s.encoder.count();
    const bool full = chunkFull(s, ev.time_ns,
                                (n & 255) == 0 || ev.entries.size() > 64 || !ev.data.empty());
    // A process that exited adds nothing more: its last chunk goes out now
    // (a recorder killed later loses none of it).
    if (full || (rare && ev.kind == EventKind::Exit)) {
      flushChunk(s);
      flushIdle(s, ev.time_ns);
    }
  }

  // A PTE and the FAULT it carried (ChunkEncoder::pairs()): append()'s
  // work once for both.  Neither kind is rare, neither ends a process.
  [[gnu::always_inline]] void appendPair(StreamWriter& s, const Event& pte, const Event& fault) {
    if (s.encoder.count() == 0) s.pending_since = stats.chunks;
    s.encoder.addPair(pte, fault);
    s.events += 2;
    stats.events += 2;
    ops.clear();
    s.state.applyFaultPair(pte, fault, &ops);
    count(s, pte, false);
    TraceTotals& t = s.facts.totals;
    t.events++;
    t.by_kind[static_cast<unsigned>(EventKind::Fault)]++;
    // (The count grows by two: the size sampling takes both parities.)
    const uint32_t n = s.encoder.count();
    if (chunkFull(s, pte.time_ns, (n & 254) == 0 || pte.entries.size() > 64)) {
      flushChunk(s);
      flushIdle(s, pte.time_ns);
    }
  }

  void appendAll(StreamWriter& s, std::span<const Event> evs, size_t* next) {
    size_t i = *next;
    if (i < evs.size()) checkOpen();
    try {
      for (; i < evs.size(); i++) {
        // (A pair must not take the chunk past chunk_events.)
        if (i + 1 < evs.size() && s.encoder.count() + 2 <= options.chunk_events &&
            detail::ChunkEncoder::pairs(evs[i], evs[i + 1])) {
          appendPair(s, evs[i], evs[i + 1]);
          i++;
          continue;
        }
        append(s, evs[i]);
      }
    } catch (...) {
      *next = i;
      throw;
    }
    *next = i;
  }

  void fillIndex() {
    index.totals = streams[0]->facts.totals;
    // Version 2 had no stream list; a one-stream file lists its one stream
    // anyway (the reader treats both alike).
    index.streams.clear();
    for (const auto& s : streams)
      index.streams.push_back({s->process, s->facts, s->frame_offset, s->frame_size});
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
  if (initial) impl_->writeKeyframe(*impl_->streams[0]);
}

TraceWriter::~TraceWriter() {
  if (!impl_->finished) {
    try {
      for (auto& s : impl_->streams) impl_->flushChunk(*s);
    } catch (...) {
      // Destructors must not throw; the file keeps its earlier chunks.
    }
  }
}

void TraceWriter::append(const Event& ev) {
  impl_->checkOpen();
  impl_->append(*impl_->streams[0], ev);
}

void TraceWriter::append(uint32_t stream, const Event& ev) {
  StreamWriter& s = impl_->stream(stream);
  impl_->checkOpen();
  impl_->append(s, ev);
}

void TraceWriter::appendAll(std::span<const Event> evs, size_t* next) {
  impl_->appendAll(*impl_->streams[0], evs, next);
}

void TraceWriter::appendAll(uint32_t stream, std::span<const Event> evs, size_t* next) {
  impl_->appendAll(impl_->stream(stream), evs, next);
}

uint32_t TraceWriter::addStream(const ProcessInfo& p) { return impl_->addStream(p); }

uint32_t TraceWriter::streamCount() const { return static_cast<uint32_t>(impl_->streams.size()); }

void TraceWriter::flush() {
  if (impl_->finished) return;
  for (auto& s : impl_->streams) impl_->flushChunk(*s);
}

void TraceWriter::flush(uint32_t stream) {
  if (impl_->finished) return;
  impl_->flushChunk(impl_->stream(stream));
}

void TraceWriter::setEndTime(uint64_t end_mono_ns) { impl_->index.end_mono_ns = end_mono_ns; }
void TraceWriter::setLossless(const LosslessTotals& l) { impl_->index.lossless = l; }
void TraceWriter::setFlight(const FlightInfo& f) { impl_->index.flight = f; }

void TraceWriter::finish() {
  Impl& w = *impl_;
  if (w.finished) return;
  for (auto& s : w.streams) {
    w.flushChunk(*s);
    w.ops.clear();
    s->state.flushHeld(&w.ops);
    for (const VmaOp& op : w.ops) s->facts.totals.vma_ops[static_cast<unsigned>(op.kind)]++;
    w.maybeKeyframe(*s, true);
  }
  w.fillIndex();
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
const ShadowState& TraceWriter::state() const { return impl_->streams[0]->state; }
const ShadowState& TraceWriter::state(uint32_t stream) const {
  return impl_->stream(stream).state;
}

}  // namespace kmr
