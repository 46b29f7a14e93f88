// The only file that includes the generated Cap'n Proto header.
#include "kmr/capnp_frames.h"

#include <capnp/message.h>
#include <capnp/orphan.h>
#include <capnp/serialize.h>
#include <kj/exception.h>

#include <algorithm>

#include "format/kmr.capnp.h"
#include "kmr/error.h"

namespace kmr::detail {
namespace {

constexpr uint64_t kMaxNameBytes = 4096;
constexpr uint64_t kMaxListItems = 1u << 24;

capnp::Data::Reader dataRef(std::span<const uint8_t> s) {
  return {reinterpret_cast<const kj::byte*>(s.data()), s.size()};
}
// A column referenced without copying.  The caller guarantees a word-aligned
// start and zero bytes up to the next word (ColumnWriter::sealed).
capnp::Orphan<capnp::Data> external(capnp::Orphanage o, std::span<const uint8_t> s) {
  if (s.empty()) return o.newOrphan<capnp::Data>(0);
  return o.referenceExternalData(dataRef(s));
}
std::span<const uint8_t> spanOf(capnp::Data::Reader d) {
  return {reinterpret_cast<const uint8_t*>(d.begin()), d.size()};
}
std::string textOf(capnp::Text::Reader t) {
  if (t.size() > kMaxNameBytes) throw Error(Error::Code::Damaged, "a name is longer than 4096 bytes");
  return {t.begin(), t.size()};
}
kj::StringPtr textRef(const std::string& s) { return kj::StringPtr(s.c_str(), s.size()); }

capnp::ReaderOptions limits(size_t bytes) {
  capnp::ReaderOptions o;
  // Every word may be traversed a few times (Data/list getters); more means
  // a malicious message with aliased pointers.
  o.traversalLimitInWords = bytes / 8 * 4 + 1024;
  o.nestingLimit = 16;
  return o;
}

kj::ArrayPtr<const capnp::word> words(std::span<const uint8_t> aligned) {
  if (reinterpret_cast<uintptr_t>(aligned.data()) % sizeof(capnp::word) ||
      aligned.size() % sizeof(capnp::word))
    throw Error(Error::Code::Damaged, "message size is not a multiple of 8 bytes");
  return {reinterpret_cast<const capnp::word*>(aligned.data()),
          aligned.size() / sizeof(capnp::word)};
}

void setVma(schema::Vma::Builder b, const Vma& v) {
  b.setStart(v.start);
  b.setEnd(v.end);
  b.setPgoff(v.pgoff);
  b.setIno(v.ino);
  b.setDev(v.dev);
  b.setVmFlags(v.vm_flags);
  b.setFlags(v.flags);
  b.setName(textRef(v.name));
}

void setProcess(schema::Process::Builder b, const ProcessInfo& p) {
  b.setStream(p.stream);
  b.setPid(p.pid);
  b.setPpid(p.ppid);
  b.setParentStream(p.parent_stream ? *p.parent_stream : 0xffffffffu);
  b.setComm(textRef(p.comm));
  auto cl = b.initCmdline(static_cast<unsigned>(p.cmdline.size()));
  for (unsigned i = 0; i < p.cmdline.size(); i++) cl.set(i, textRef(p.cmdline[i]));
  b.setBinary(textRef(p.binary));
  b.setStartMonoNs(p.start_ns);
}

void setTotals(schema::Totals::Builder t, const TraceTotals& x) {
  t.setEvents(x.events);
  auto bk = t.initByKind(kEventKindSlots);
  for (unsigned i = 0; i < kEventKindSlots; i++) bk.set(i, x.by_kind[i]);
  auto vo = t.initVmaOps(kVmaOpKinds);
  for (unsigned i = 0; i < kVmaOpKinds; i++) vo.set(i, x.vma_ops[i]);
  t.setLostRecords(x.lost_records);
  t.setFirstTimeNs(x.first_ns);
  t.setLastTimeNs(x.last_ns);
  t.setMaxTimeNs(x.max_ns);
  t.setLastSeq(x.last_seq);
}

TraceTotals getTotals(schema::Totals::Reader t) {
  TraceTotals x;
  x.events = t.getEvents();
  auto bk = t.getByKind();
  for (unsigned i = 0; i < bk.size() && i < kEventKindSlots; i++) x.by_kind[i] = bk[i];
  auto vo = t.getVmaOps();
  for (unsigned i = 0; i < vo.size() && i < kVmaOpKinds; i++) x.vma_ops[i] = vo[i];
  x.lost_records = t.getLostRecords();
  x.first_ns = t.getFirstTimeNs();
  x.last_ns = t.getLastTimeNs();
  x.max_ns = t.getMaxTimeNs();
  x.last_seq = t.getLastSeq();
  return x;
}

Vma getVma(schema::Vma::Reader r) {
  Vma v;
  v.start = r.getStart();
  v.end = r.getEnd();
  v.pgoff = r.getPgoff();
  v.ino = r.getIno();
  v.dev = r.getDev();
  v.vm_flags = r.getVmFlags();
  v.flags = r.getFlags();
  v.name = textOf(r.getName());
  return v;
}

template <class List>
void checkListSize(const List& l, const char* what) {
  if (l.size() > kMaxListItems) throw Error(Error::Code::Damaged, std::string(what) + " list too long");
}

ProcessInfo getProcess(schema::Process::Reader r) {
  ProcessInfo p;
  p.stream = r.getStream();
  p.pid = r.getPid();
  p.ppid = r.getPpid();
  if (r.getParentStream() != 0xffffffffu) p.parent_stream = r.getParentStream();
  p.comm = textOf(r.getComm());
  auto cl = r.getCmdline();
  if (cl.size() > 4096) throw Error(Error::Code::Damaged, "cmdline list too long");
  for (auto a : cl) p.cmdline.push_back(textOf(a));
  p.binary = textOf(r.getBinary());
  p.start_ns = r.getStartMonoNs();
  return p;
}

// Run fn over a frame, turning Cap'n Proto's exceptions into Error.
template <class F>
auto guarded(const char* what, F&& fn) {
  try {
    return fn();
  } catch (const kj::Exception& e) {
    throw Error(Error::Code::Damaged,
                std::string(what) + ": malformed message (" + e.getDescription().cStr() + ")");
  }
}

}  // namespace

struct MessageWriter::Impl {
  std::unique_ptr<capnp::MallocMessageBuilder> msg;
  std::vector<std::span<const uint8_t>> pieces;
  kj::Array<capnp::word> table;  // the segment table

  capnp::MallocMessageBuilder& fresh() {
    // 64 KiB first segment: headers and keyframes fit; chunk columns are
    // external references.
    msg = std::make_unique<capnp::MallocMessageBuilder>(8192);
    return *msg;
  }

  std::span<const std::span<const uint8_t>> finish() {
    auto segs = msg->getSegmentsForOutput();
    // Stream framing (capnp/serialize.h): u32 segment count - 1, u32 sizes,
    // padded to a word; then the segments.
    size_t table_words = (segs.size() + 2) / 2;
    table = kj::heapArray<capnp::word>(table_words);
    auto* t = reinterpret_cast<uint32_t*>(table.begin());
    t[0] = static_cast<uint32_t>(segs.size() - 1);
    for (size_t i = 0; i < segs.size(); i++) t[i + 1] = static_cast<uint32_t>(segs[i].size());
    if (segs.size() % 2 == 0) t[segs.size() + 1] = 0;
    pieces.clear();
    pieces.emplace_back(reinterpret_cast<const uint8_t*>(table.begin()), table_words * 8);
    for (auto s : segs)
      pieces.emplace_back(reinterpret_cast<const uint8_t*>(s.begin()), s.size() * 8);
    return pieces;
  }
};

MessageWriter::MessageWriter() : impl_(std::make_unique<Impl>()) {}
MessageWriter::~MessageWriter() = default;

std::span<const std::span<const uint8_t>> MessageWriter::header(const TraceHeader& h) {
  auto& m = impl_->fresh();
  auto b = m.initRoot<schema::Frame>().initHeader();
  b.setFormatVersion(h.format_version);
  b.setAbiVersion(h.abi_version);
  b.setKernelRelease(textRef(h.kernel_release));
  b.setHost(textRef(h.host));
  b.setPid(h.pid);
  b.setComm(textRef(h.comm));
  auto cl = b.initCmdline(static_cast<unsigned>(h.cmdline.size()));
  for (unsigned i = 0; i < h.cmdline.size(); i++) cl.set(i, textRef(h.cmdline[i]));
  b.setPageSize(h.page_size);
  b.setRangeStart(h.range_start);
  b.setRangeEnd(h.range_end);
  b.setStartMonoNs(h.start_mono_ns);
  b.setStartRealNs(h.start_real_ns);
  b.setRecorderOptions(textRef(h.recorder_options));
  b.setRecorder(textRef(h.recorder));
  b.setEventMask(h.event_mask);
  b.setPfnsHidden(h.pfns_hidden);
  b.setPpid(h.ppid);
  return impl_->finish();
}

std::span<const std::span<const uint8_t>> MessageWriter::chunk(const ChunkFrame& c) {
  auto& m = impl_->fresh();
  auto b = m.initRoot<schema::Frame>().initChunk();
  b.setStream(c.stream);
  b.setNumber(c.number);
  b.setFirstEvent(c.first_event);
  b.setCount(c.count);
  auto orphanage = m.getOrphanage();
  auto ref = [&](int col) { return external(orphanage, c.columns[col]); };
  b.adoptKinds(ref(kColKinds));
  b.adoptFlags(ref(kColFlags));
  b.adoptSeqs(ref(kColSeqs));
  b.adoptTimes(ref(kColTimes));
  b.adoptAddrs(ref(kColAddrs));
  b.adoptOffsets(ref(kColOffsets));
  b.adoptPfns(ref(kColPfns));
  b.adoptPteFlags(ref(kColPteFlags));
  b.adoptShapes(ref(kColShapes));
  b.adoptIps(ref(kColIps));
  b.adoptTids(ref(kColTids));
  b.adoptFaultFlags(ref(kColFaultFlags));
  b.adoptMisc(ref(kColMisc));
  b.adoptBytes(ref(kColBytes));
  return impl_->finish();
}

std::span<const std::span<const uint8_t>> MessageWriter::keyframe(const KeyframeFrame& k) {
  auto& m = impl_->fresh();
  auto b = m.initRoot<schema::Frame>().initKeyframe();
  b.setStream(k.stream);
  b.setNumber(k.number);
  b.setEventIndex(k.event_index);
  b.setLastSeq(k.last_seq);
  b.setMaxTimeNs(k.max_time_ns);
  b.setLastTimeNs(k.last_time_ns);
  auto vl = b.initVmas(static_cast<unsigned>(k.vmas.size()));
  for (unsigned i = 0; i < k.vmas.size(); i++) setVma(vl[i], k.vmas[i]);
  b.setRunCount(k.run_count);
  auto orphanage = m.getOrphanage();
  b.adoptRunVpns(external(orphanage, k.run_vpns));
  b.adoptRunPages(external(orphanage, k.run_pages));
  b.adoptRunPfns(external(orphanage, k.run_pfns));
  b.adoptRunFlags(external(orphanage, k.run_flags));
  auto setRanges = [](auto list, const std::vector<std::pair<uint64_t, uint64_t>>& v) {
    for (unsigned i = 0; i < v.size(); i++) {
      list[i].setStart(v[i].first);
      list[i].setEnd(v[i].second);
    }
  };
  setRanges(b.initUnknownPages(static_cast<unsigned>(k.unknown_pages.size())), k.unknown_pages);
  setRanges(b.initUnknownVmas(static_cast<unsigned>(k.unknown_vmas.size())), k.unknown_vmas);
  auto pl = b.initPending(static_cast<unsigned>(k.pending.size()));
  for (unsigned i = 0; i < k.pending.size(); i++) {
    const VmaWindow& w = k.pending[i];
    auto p = pl[i];
    p.setSyncSeq(w.sync_seq);
    p.setStart(w.start);
    p.setEnd(w.end);
    p.setCount(w.count);
    p.setCause(w.cause);
    p.setTime(w.time_ns);
    auto wv = p.initVmas(static_cast<unsigned>(w.vmas.size()));
    for (unsigned j = 0; j < w.vmas.size(); j++) setVma(wv[j], w.vmas[j]);
  }
  b.setExited(k.exited);
  b.setExitCode(k.exit_code);
  return impl_->finish();
}

std::span<const std::span<const uint8_t>> MessageWriter::process(const ProcessInfo& p) {
  auto& m = impl_->fresh();
  setProcess(m.initRoot<schema::Frame>().initProcess(), p);
  return impl_->finish();
}

std::vector<uint8_t> MessageWriter::index(const IndexData& idx) {
  capnp::MallocMessageBuilder m;
  auto b = m.initRoot<schema::Index>();
  auto cl = b.initChunks(static_cast<unsigned>(idx.chunks.size()));
  for (unsigned i = 0; i < idx.chunks.size(); i++) {
    const ChunkRef& c = idx.chunks[i];
    auto r = cl[i];
    r.setOffset(c.offset);
    r.setCompressedSize(c.compressed_size);
    r.setRawSize(c.raw_size);
    r.setFirstEvent(c.first_event);
    r.setCount(c.count);
    r.setFirstSeq(c.first_seq);
    r.setLastSeq(c.last_seq);
    r.setMinTimeNs(c.min_ns);
    r.setMaxTimeNs(c.max_ns);
    r.setStream(c.stream);
  }
  auto kl = b.initKeyframes(static_cast<unsigned>(idx.keyframes.size()));
  for (unsigned i = 0; i < idx.keyframes.size(); i++) {
    const KeyframeRef& k = idx.keyframes[i];
    auto r = kl[i];
    r.setOffset(k.offset);
    r.setCompressedSize(k.compressed_size);
    r.setRawSize(k.raw_size);
    r.setEventIndex(k.event_index);
    r.setLastSeq(k.last_seq);
    r.setMaxTimeNs(k.max_ns);
    r.setStream(k.stream);
  }
  setTotals(b.initTotals(), idx.totals);
  if (!idx.streams.empty()) {
    auto sl = b.initStreams(static_cast<unsigned>(idx.streams.size()));
    for (unsigned i = 0; i < idx.streams.size(); i++) {
      const StreamRef& s = idx.streams[i];
      auto e = sl[i];
      setProcess(e.initProcess(), s.process);
      setTotals(e.initTotals(), s.facts.totals);
      e.setExited(s.facts.exited);
      e.setExitCode(s.facts.exit_code);
      e.setPeakPages(s.facts.peak_pages);
      e.setLastExec(textRef(s.facts.last_exec));
      e.setFrameOffset(s.frame_offset);
      e.setFrameSize(s.frame_size);
    }
  }
  b.setEndMonoNs(idx.end_mono_ns);
  if (idx.lossless) {
    auto l = b.initLossless();
    l.setHeldNs(idx.lossless->held_ns);
    l.setHeldWaits(idx.lossless->held_waits);
    l.setLostOther(idx.lossless->lost_other);
  }
  if (idx.flight) {
    auto f = b.initFlight();
    f.setCause(idx.flight->cause);
    f.setTriggerNs(idx.flight->trigger_ns);
    f.setWindowStartNs(idx.flight->window_start_ns);
    f.setLimitBytes(idx.flight->limit_bytes);
    f.setDroppedBytes(idx.flight->dropped_bytes);
    f.setSequence(idx.flight->sequence);
  }
  auto flat = capnp::messageToFlatArray(m);
  auto bytes = flat.asBytes();
  return {bytes.begin(), bytes.end()};
}

TraceHeader decodeHeader(std::span<const uint8_t> aligned) {
  return guarded("header", [&] {
    capnp::FlatArrayMessageReader msg(words(aligned), limits(aligned.size()));
    auto f = msg.getRoot<schema::Frame>();
    if (f.which() != schema::Frame::HEADER)
      throw Error(Error::Code::Damaged, "the first frame is not a header");
    auto r = f.getHeader();
    TraceHeader h;
    h.format_version = r.getFormatVersion();
    h.abi_version = r.getAbiVersion();
    h.kernel_release = textOf(r.getKernelRelease());
    h.host = textOf(r.getHost());
    h.pid = r.getPid();
    h.comm = textOf(r.getComm());
    auto cl = r.getCmdline();
    checkListSize(cl, "cmdline");
    for (auto a : cl) h.cmdline.push_back(textOf(a));
    h.page_size = r.getPageSize();
    h.range_start = r.getRangeStart();
    h.range_end = r.getRangeEnd();
    h.start_mono_ns = r.getStartMonoNs();
    h.start_real_ns = r.getStartRealNs();
    h.recorder_options = textOf(r.getRecorderOptions());
    h.recorder = textOf(r.getRecorder());
    h.event_mask = r.getEventMask();
    h.pfns_hidden = r.getPfnsHidden();
    h.ppid = r.getPpid();
    return h;
  });
}

ChunkFrame decodeChunk(std::span<const uint8_t> aligned) {
  return guarded("chunk", [&] {
    capnp::FlatArrayMessageReader msg(words(aligned), limits(aligned.size()));
    auto f = msg.getRoot<schema::Frame>();
    if (f.which() != schema::Frame::CHUNK)
      throw Error(Error::Code::Damaged, "frame is not a chunk");
    auto r = f.getChunk();
    ChunkFrame c;
    c.stream = r.getStream();
    c.number = r.getNumber();
    c.first_event = r.getFirstEvent();
    c.count = r.getCount();
    c.columns[kColKinds] = spanOf(r.getKinds());
    c.columns[kColFlags] = spanOf(r.getFlags());
    c.columns[kColSeqs] = spanOf(r.getSeqs());
    c.columns[kColTimes] = spanOf(r.getTimes());
    c.columns[kColAddrs] = spanOf(r.getAddrs());
    c.columns[kColOffsets] = spanOf(r.getOffsets());
    c.columns[kColPfns] = spanOf(r.getPfns());
    c.columns[kColPteFlags] = spanOf(r.getPteFlags());
    c.columns[kColShapes] = spanOf(r.getShapes());
    c.columns[kColIps] = spanOf(r.getIps());
    c.columns[kColTids] = spanOf(r.getTids());
    c.columns[kColFaultFlags] = spanOf(r.getFaultFlags());
    c.columns[kColMisc] = spanOf(r.getMisc());
    c.columns[kColBytes] = spanOf(r.getBytes());
    return c;
  });
}

KeyframeFrame decodeKeyframe(std::span<const uint8_t> aligned) {
  return guarded("keyframe", [&] {
    capnp::FlatArrayMessageReader msg(words(aligned), limits(aligned.size()));
    auto f = msg.getRoot<schema::Frame>();
    if (f.which() != schema::Frame::KEYFRAME)
      throw Error(Error::Code::Damaged, "frame is not a keyframe");
    auto r = f.getKeyframe();
    KeyframeFrame k;
    k.stream = r.getStream();
    k.number = r.getNumber();
    k.event_index = r.getEventIndex();
    k.last_seq = r.getLastSeq();
    k.max_time_ns = r.getMaxTimeNs();
    k.last_time_ns = r.getLastTimeNs();
    auto vl = r.getVmas();
    checkListSize(vl, "VMA");
    for (auto v : vl) k.vmas.push_back(getVma(v));
    k.run_count = r.getRunCount();
    k.run_vpns = spanOf(r.getRunVpns());
    k.run_pages = spanOf(r.getRunPages());
    k.run_pfns = spanOf(r.getRunPfns());
    k.run_flags = spanOf(r.getRunFlags());
    auto ranges = [](auto list, std::vector<std::pair<uint64_t, uint64_t>>& out) {
      checkListSize(list, "range");
      for (auto x : list) out.emplace_back(x.getStart(), x.getEnd());
    };
    ranges(r.getUnknownPages(), k.unknown_pages);
    ranges(r.getUnknownVmas(), k.unknown_vmas);
    auto pl = r.getPending();
    checkListSize(pl, "pending window");
    for (auto p : pl) {
      VmaWindow w;
      w.sync_seq = p.getSyncSeq();
      w.start = p.getStart();
      w.end = p.getEnd();
      w.count = p.getCount();
      w.cause = p.getCause();
      w.time_ns = p.getTime();
      auto wv = p.getVmas();
      checkListSize(wv, "VMA");
      for (auto v : wv) w.vmas.push_back(getVma(v));
      k.pending.push_back(std::move(w));
    }
    k.exited = r.getExited();
    k.exit_code = r.getExitCode();
    return k;
  });
}

ProcessInfo decodeProcess(std::span<const uint8_t> aligned) {
  return guarded("process", [&] {
    capnp::FlatArrayMessageReader msg(words(aligned), limits(aligned.size()));
    auto f = msg.getRoot<schema::Frame>();
    if (f.which() != schema::Frame::PROCESS)
      throw Error(Error::Code::Damaged, "frame is not a process declaration");
    return getProcess(f.getProcess());
  });
}

IndexData decodeIndex(std::span<const uint8_t> aligned) {
  return guarded("index", [&] {
    capnp::FlatArrayMessageReader msg(words(aligned), limits(aligned.size()));
    auto r = msg.getRoot<schema::Index>();
    IndexData idx;
    auto cl = r.getChunks();
    checkListSize(cl, "chunk");
    idx.chunks.reserve(cl.size());
    for (auto c : cl) {
      ChunkRef x;
      x.offset = c.getOffset();
      x.compressed_size = c.getCompressedSize();
      x.raw_size = c.getRawSize();
      x.first_event = c.getFirstEvent();
      x.count = c.getCount();
      x.first_seq = c.getFirstSeq();
      x.last_seq = c.getLastSeq();
      x.min_ns = c.getMinTimeNs();
      x.max_ns = c.getMaxTimeNs();
      x.stream = c.getStream();
      idx.chunks.push_back(x);
    }
    auto kl = r.getKeyframes();
    checkListSize(kl, "keyframe");
    for (auto k : kl) {
      KeyframeRef x;
      x.offset = k.getOffset();
      x.compressed_size = k.getCompressedSize();
      x.raw_size = k.getRawSize();
      x.event_index = k.getEventIndex();
      x.last_seq = k.getLastSeq();
      x.max_ns = k.getMaxTimeNs();
      x.stream = k.getStream();
      idx.keyframes.push_back(x);
    }
    idx.totals = getTotals(r.getTotals());
    auto sl = r.getStreams();
    checkListSize(sl, "stream");
    for (auto e : sl) {
      StreamRef s;
      s.process = getProcess(e.getProcess());
      s.facts.totals = getTotals(e.getTotals());
      s.facts.exited = e.getExited();
      s.facts.exit_code = e.getExitCode();
      s.facts.peak_pages = e.getPeakPages();
      s.facts.last_exec = textOf(e.getLastExec());
      s.frame_offset = e.getFrameOffset();
      s.frame_size = e.getFrameSize();
      idx.streams.push_back(std::move(s));
    }
    idx.end_mono_ns = r.getEndMonoNs();  // 0 in files written before the field
    if (r.hasLossless()) {
      auto l = r.getLossless();
      idx.lossless = LosslessTotals{l.getHeldNs(), l.getHeldWaits(), l.getLostOther()};
    }
    if (r.hasFlight()) {
      auto f = r.getFlight();
      FlightInfo fi;
      auto cause = f.getCause();
      // Untrusted text: shown to the user, so bounded like other names.
      fi.cause.assign(cause.begin(), std::min<size_t>(cause.size(), 4096));
      fi.trigger_ns = f.getTriggerNs();
      fi.window_start_ns = f.getWindowStartNs();
      fi.limit_bytes = f.getLimitBytes();
      fi.dropped_bytes = f.getDroppedBytes();
      fi.sequence = f.getSequence();
      idx.flight = std::move(fi);
    }
    return idx;
  });
}

}  // namespace kmr::detail
