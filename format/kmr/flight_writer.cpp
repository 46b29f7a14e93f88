#include "kmr/flight_writer.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <deque>

#include "kmr/error.h"
#include "kmr/file_io.h"
#include "kmr/reader.h"

namespace kmr {
namespace {

// Below this a segment is mostly its keyframe and header.
constexpr uint64_t kMinSegmentBytes = 64u << 10;

detail::UniqueFd makeMemfd() {
  int fd = ::memfd_create("kmemrec-flight", MFD_CLOEXEC);
  if (fd < 0)
    throw Error(Error::Code::Io,
                std::string("cannot keep the flight recorder's window in memory (memfd_create): ") +
                    std::strerror(errno));
  return detail::UniqueFd(fd);
}

std::string fdPath(int fd) { return "/proc/self/fd/" + std::to_string(fd); }

}  // namespace

struct FlightWriter::Impl {
  struct Segment {
    detail::UniqueFd fd;                  // the memfd dump() reads back
    std::unique_ptr<TraceWriter> writer;  // while it is the open one
    WriterStats closed;                   // its final figures, once closed
    bool opened_with_keyframe = false;    // false only for the very first
    uint64_t start_ns = 0;                // its first instant
    uint64_t target_bytes = 0;            // closed when it holds this much

    const WriterStats& stats() const { return writer ? writer->stats() : closed; }
  };

  Impl(const TraceHeader& h, const FlightOptions& o) : header(h), options(o) {
    Segment s;
    s.fd = makeMemfd();
    s.writer = std::make_unique<TraceWriter>(dupFd(s.fd), "the flight recorder's memory", h,
                                             o.writer);
    s.start_ns = h.start_mono_ns;
    s.target_bytes = targetFor(0);
    segs.push_back(std::move(s));
  }

  TraceHeader header;
  FlightOptions options;
  std::deque<Segment> segs;
  WriterStats before;      // figures of the segments closed so far (all, dropped too)
  WriterStats stats;       // what stats() returns
  uint64_t kept_closed = 0;  // file bytes of the closed segments still kept
  uint64_t dropped = 0;

  static int dupFd(const detail::UniqueFd& fd) {
    int d = ::dup(fd.get());
    if (d < 0) throw Error(Error::Code::Io, std::string("dup: ") + std::strerror(errno));
    return d;
  }

  // A quarter of the limit; more when the opening keyframe is large (a
  // segment that is mostly keyframe would rotate at every chunk), but never
  // past the limit, so that the open segment alone stays within it.
  uint64_t targetFor(uint64_t keyframe_bytes) const {
    uint64_t t = std::max(options.limit_bytes / 4, std::min(2 * keyframe_bytes, options.limit_bytes));
    return std::max(t, kMinSegmentBytes);
  }

  Segment& open() { return segs.back(); }

  uint64_t kept() const { return kept_closed + segs.back().stats().file_bytes; }

  // The oldest closed segments go while all kept exceed the limit.
  void enforce() {
    while (segs.size() > 1 && kept() > options.limit_bytes) {
      uint64_t b = segs.front().closed.file_bytes;
      kept_closed -= b;
      dropped += b;
      segs.pop_front();
    }
  }

  void rotate() {
    Segment& cur = open();
    Segment next;
    next.fd = makeMemfd();
    // The new segment opens with the state the old one ends in.
    next.writer = std::make_unique<TraceWriter>(dupFd(next.fd), "the flight recorder's memory",
                                                header, options.writer, &cur.writer->state());
    next.opened_with_keyframe = true;
    next.start_ns = cur.writer->state().maxTimeNs();
    next.target_bytes = targetFor(next.writer->stats().keyframe_bytes);
    cur.writer->finish();
    cur.closed = cur.writer->stats();
    cur.writer.reset();
    add(before, cur.closed);
    kept_closed += cur.closed.file_bytes;
    segs.push_back(std::move(next));
    enforce();
  }

  static void add(WriterStats& a, const WriterStats& b) {
    a.events += b.events;
    a.chunks += b.chunks;
    a.keyframes += b.keyframes;
    a.raw_bytes += b.raw_bytes;
    a.chunk_bytes += b.chunk_bytes;
    a.keyframe_bytes += b.keyframe_bytes;
  }

  void publish() {
    stats = before;
    add(stats, open().stats());
    stats.file_bytes = kept();
  }
};

FlightWriter::FlightWriter(const TraceHeader& header, const FlightOptions& options)
    : impl_(std::make_unique<Impl>(header, options)) {
  impl_->publish();
}

FlightWriter::~FlightWriter() = default;

void FlightWriter::append(const Event& ev) {
  size_t next = 0;
  appendAll(std::span<const Event>(&ev, 1), &next);
}

void FlightWriter::appendAll(std::span<const Event> evs, size_t* next) {
  Impl& f = *impl_;
  while (*next < evs.size()) {
    const size_t i = *next;
    // A PTE and its FAULT go to the segment's writer together, which
    // stores them as a pair (TraceWriter::appendAll decides).
    const size_t n = i + 1 < evs.size() && evs[i].kind == EventKind::Pte &&
                             evs[i + 1].kind == EventKind::Fault && evs[i + 1].seq == evs[i].seq
                         ? 2
                         : 1;
    Impl::Segment& cur = f.open();
    uint64_t bytes = cur.writer->stats().file_bytes;
    size_t k = 0;
    try {
      cur.writer->appendAll(evs.subspan(i, n), &k);
    } catch (...) {
      *next = i + k;
      throw;
    }
    *next = i + n;
    uint64_t now = cur.writer->stats().file_bytes;
    if (now == bytes) {
      f.stats.events += n;
      continue;
    }
    // A chunk was written.
    if (now >= cur.target_bytes && cur.writer->state().canKeyframe()) f.rotate();
    f.enforce();
    f.publish();
  }
}

void FlightWriter::flush() {
  Impl& f = *impl_;
  f.open().writer->flush();
  f.enforce();
  f.publish();
}

FlightDump FlightWriter::dump(const std::string& path, FlightInfo info, uint64_t end_mono_ns,
                              const std::optional<LosslessTotals>& lossless) {
  Impl& f = *impl_;
  f.open().writer->flush();
  FlightDump d;
  std::unique_ptr<TraceWriter> out;
  std::array<Event, 256> batch;
  for (Impl::Segment& seg : f.segs) {
    TraceReader r(fdPath(seg.fd.get()));
    if (!out) {
      ShadowState s(f.header.range_start, f.header.range_end);
      if (seg.opened_with_keyframe) {
        if (r.keyframes().empty() || r.keyframes()[0].event_index != 0)
          throw Error(Error::Code::Damaged, "a flight-recorder segment lost its opening keyframe");
        r.loadKeyframe(0, s);
      }
      out = std::make_unique<TraceWriter>(path, f.header, f.options.writer,
                                          seg.opened_with_keyframe ? &s : nullptr);
      d.window_start_ns = seg.start_ns;
    }
    EventStream es(r);
    while (size_t n = es.nextBatch(batch)) {
      for (size_t i = 0; i < n; i++)
        if (batch[i].kind == EventKind::Gap)
          throw Error(Error::Code::Damaged, "a flight-recorder segment cannot be read back");
      size_t next = 0;
      out->appendAll(std::span<const Event>(batch.data(), n), &next);  // (keeps the pairs)
    }
    if (!es.damage().empty())
      throw Error(Error::Code::Damaged,
                  "a flight-recorder segment cannot be read back: " + es.damage().front().what);
  }
  d.window_end_ns = out->state().maxTimeNs();
  info.window_start_ns = d.window_start_ns;
  info.limit_bytes = f.options.limit_bytes;
  info.dropped_bytes = f.dropped;
  out->setEndTime(end_mono_ns);
  if (lossless) out->setLossless(*lossless);
  out->setFlight(info);
  out->finish();
  d.stats = out->stats();
  return d;
}

const WriterStats& FlightWriter::stats() const { return impl_->stats; }
const ShadowState& FlightWriter::state() const { return impl_->open().writer->state(); }
uint64_t FlightWriter::keptBytes() const { return impl_->kept(); }
uint64_t FlightWriter::droppedBytes() const { return impl_->dropped; }
size_t FlightWriter::segments() const { return impl_->segs.size(); }

}  // namespace kmr
