#include "kmr/chunk_codec.h"

#include <algorithm>
#include <string>

#include "kmr/error.h"

namespace kmr::detail {
namespace {

[[noreturn]] void usage(const std::string& what) { throw Error(Error::Code::Usage, what); }

}  // namespace

void ChunkEncoder::addLarge(const Event& ev) {
  auto k = static_cast<unsigned>(ev.kind);
  if (!isStoredKind(k)) usage("cannot store an event of kind " + std::to_string(k));
  if (ev.entries.size() > kMaxPteEntries) usage("PTE record with more than 2^20 entries");
  if (ev.text.size() > kMaxTextBytes) usage("name longer than 4096 bytes");
  if (ev.data.size() > kMaxDataBytes) usage("page data longer than 1 MiB");
  note(ev);
  encode<false>(ev);
  room_events_ = 0;  // it used room of its own: measure again
}

size_t ChunkEncoder::makeRoom() {
  size_t least = SIZE_MAX;
  for (ColumnWriter& c : cols_) {
    c.reserve(kMinRoomBytes);
    least = std::min(least, c.room());
  }
  return least / kSmallEventBytes;
}

size_t ChunkEncoder::rawBytes() const {
  size_t n = 0;
  for (const ColumnWriter& c : cols_) n += c.size();
  return n;
}

ChunkFrame ChunkEncoder::frame(uint32_t number, uint64_t first_event) {
  ChunkFrame f;
  f.number = number;
  f.first_event = first_event;
  f.count = count_;
  for (int i = 0; i < kColumnCount; i++) f.columns[i] = cols_[i].sealed();
  return f;
}

void ChunkEncoder::reset() {
  for (ColumnWriter& c : cols_) c.clear();
  count_ = 0;
  prev_seq_ = prev_ns_ = prev_vpn_ = prev_pfn_ = prev_zero_pfn_ = prev_ip_ = 0;
  prev_tid_ = prev_pte_flags_ = 0;
}

void ChunkDecoder::reset(const ChunkFrame& f) {
  if (f.count > kMaxChunkEvents) throw Error(Error::Code::Damaged, "chunk claims too many events");
  if (f.columns[kColKinds].size() != f.count)
    throw Error(Error::Code::Damaged, "chunk's kind column does not match its event count");
  for (int i = 0; i < kColumnCount; i++) cols_[i] = ColumnReader(f.columns[i]);
  count_ = f.count;
  done_ = 0;
  prev_seq_ = prev_ns_ = prev_vpn_ = prev_pfn_ = prev_zero_pfn_ = prev_ip_ = 0;
  prev_tid_ = prev_pte_flags_ = 0;
  after_pte_ = false;
}

void ChunkDecoder::fail(const char* what) const {
  throw Error(Error::Code::Damaged,
              "event " + std::to_string(done_) + " of the chunk: " + what);
}

void ChunkDecoder::checkEnd() const {
  for (int i = 0; i < kColumnCount; i++) {
    if (cols_[i].bad()) fail("a column ends too early");
    if (!cols_[i].atEnd()) fail("a column has bytes left over");
  }
}

bool ChunkDecoder::next(Event& ev) {
  if (done_ == count_) {
    checkEnd();
    return false;
  }
  decodeOne(ev, &single_[0]);
  return true;
}

size_t ChunkDecoder::nextBatch(std::span<Event> out) {
  size_t n = std::min(out.size(), single_.size());
  size_t i = 0;
  while (i < n) {
    if (done_ == count_) {
      checkEnd();
      break;
    }
    decodeOne(out[i], &single_[i]);
    // A run's entries live in a buffer the next event reuses: end here.
    if (out[i++].entries.size() > 1) break;
  }
  return i;
}

void ChunkDecoder::decodeOne(Event& ev, uint64_t* single) {
  unsigned byte = cols_[kColKinds].getByte();
  unsigned k = byte & kKindMask;
  if (k == kRowFaultOfPte) {
    decodeFaultOfPte(ev, byte);
    return;
  }
  if (!isStoredKind(k)) fail("unknown event kind");
  after_pte_ = k == KMR_EV_PTE;
  ev.kind = static_cast<EventKind>(k);
  bool compact = byte & kKindCompact;
  if (compact && ev.kind != EventKind::Pte && ev.kind != EventKind::Fault &&
      ev.kind != EventKind::Cow)
    fail("compact mark on a kind that has none");
  ev.flags = 0;
  if (byte & kKindHasFlags) {
    uint64_t flags = cols_[kColFlags].get();
    if (flags > UINT32_MAX || flags == 0) fail("bad flags word");
    ev.flags = static_cast<uint32_t>(flags);
  }
  prev_seq_ += 1;
  if (!(byte & kKindDenseSeq)) prev_seq_ += static_cast<uint64_t>(cols_[kColSeqs].getSigned());
  prev_ns_ += static_cast<uint64_t>(cols_[kColTimes].getSigned());
  ev.seq = prev_seq_;
  ev.time_ns = prev_ns_;
  ev.text = {};
  ev.entries = {};
  ev.data = {};

  ColumnReader& misc = cols_[kColMisc];
  auto u32 = [&](ColumnReader& c) { return static_cast<uint32_t>(c.get()); };
  switch (ev.kind) {
    case EventKind::Pte: {
      ev.pte.vaddr = getAddr();
      uint64_t n = 1;
      ev.pte.shift = 12;
      if (!compact) {
        ev.pte.shift = u32(cols_[kColShapes]);
        n = cols_[kColShapes].get();
      }
      if (n > kMaxPteEntries || n > cols_[kColPteFlags].remaining()) fail("PTE record too long");
      uint64_t* dst = single;
      if (n > 1) {
        if (entries_.size() < n) entries_.resize(n);
        dst = entries_.data();
      }
      for (uint64_t i = 0; i < n; i++) {
        uint32_t f = static_cast<uint32_t>(cols_[kColPteFlags].get()) ^ prev_pte_flags_;
        f &= 0xffff;
        prev_pte_flags_ = f;
        uint64_t pfn = (f & KMR_PTE_PRESENT) ? getPfn(f & KMR_PTE_ZERO) : misc.get();
        dst[i] = KMR_PTE_MAKE(pfn, f);
      }
      ev.entries = {dst, static_cast<size_t>(n)};
      break;
    }
    case EventKind::Fault:
      ev.fault.vaddr = getAddr();
      getFaultTail(ev.fault, compact);
      break;
    case EventKind::Cow:
      ev.cow.vaddr = getAddr();
      ev.cow.cow_flags = u32(misc);  // (another column: order is free) picks the base
      ev.cow.old_pfn = getPfn(ev.cow.cow_flags & KMR_COW_ZERO);
      ev.cow.new_pfn = getPfn();
      if (!compact) prev_tid_ += static_cast<uint32_t>(cols_[kColTids].getSigned());
      ev.cow.tid = prev_tid_;
      break;
    case EventKind::PteUnmap:
      ev.pte_unmap.start = getAddr();
      ev.pte_unmap.end = ev.pte_unmap.start + misc.get();
      break;
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd:
      ev.snapshot.start = misc.get();
      ev.snapshot.end = misc.get();
      ev.snapshot.pid = u32(misc);
      ev.snapshot.nr_vmas = u32(misc);
      ev.snapshot.nr_ptes = misc.get();
      break;
    case EventKind::VmaSync:
      ev.vma_sync.start = misc.get();
      ev.vma_sync.end = misc.get();
      ev.vma_sync.count = u32(misc);
      break;
    case EventKind::Vma: {
      ev.vma.sync_seq = ev.seq - static_cast<uint64_t>(misc.getSigned());
      ev.vma.start = misc.get();
      ev.vma.end = ev.vma.start + misc.get();
      ev.vma.pgoff = misc.get();
      ev.vma.ino = misc.get();
      ev.vma.dev = u32(misc);
      ev.vma.vm_flags = u32(misc);
      uint64_t n = cols_[kColBytes].get();
      if (n > kMaxTextBytes) fail("VMA name too long");
      auto b = cols_[kColBytes].getBytes(n);
      ev.text = {reinterpret_cast<const char*>(b.data()), b.size()};
      break;
    }
    case EventKind::Fork:
      ev.fork.child_pid = u32(misc);
      break;
    case EventKind::Exec: {
      uint64_t n = cols_[kColBytes].get();
      if (n > kMaxTextBytes) fail("exec filename too long");
      auto b = cols_[kColBytes].getBytes(n);
      ev.text = {reinterpret_cast<const char*>(b.data()), b.size()};
      break;
    }
    case EventKind::Exit:
      ev.exit.code = static_cast<int32_t>(misc.getSigned());
      break;
    case EventKind::Signal:
      ev.signal.signo = u32(misc);
      ev.signal.code = static_cast<int32_t>(misc.getSigned());
      ev.signal.addr = misc.get();
      ev.signal.tid = u32(misc);
      break;
    case EventKind::Lost:
      ev.lost.count = misc.get();
      ev.lost.kinds = misc.get();
      ev.lost.first_ns = misc.get();
      ev.lost.last_ns = misc.get();
      break;
    case EventKind::MemWrite:
      ev.mem_write.vaddr = getAddr();
      ev.mem_write.len = misc.get();
      ev.mem_write.writer_pid = u32(misc);
      ev.mem_write.mode = u32(misc);
      break;
    case EventKind::PageData: {
      ev.page_data.vaddr = getAddr();
      ev.page_data.pfn = getPfn();
      uint64_t n = cols_[kColBytes].get();
      if (n > kMaxDataBytes) fail("page data too long");
      ev.data = cols_[kColBytes].getBytes(n);
      break;
    }
    case EventKind::Gap:
      break;
  }
  done_++;
}

void ChunkDecoder::decodeFaultOfPte(Event& ev, unsigned byte) {
  if (!after_pte_) fail("a FAULT-of-PTE row not after a PTE row");
  if (byte & kKindHasFlags) fail("a FAULT-of-PTE row with a flags word");
  after_pte_ = false;
  ev.kind = EventKind::Fault;
  ev.flags = 0;
  ev.seq = prev_seq_;  // the PTE's
  ev.time_ns = prev_ns_;
  ev.text = {};
  ev.entries = {};
  ev.data = {};
  uint64_t off = 0;
  if (byte & kFaultOfPteHasOffset) {
    off = cols_[kColOffsets].get();
    if (off == 0 || off > 0xfff) fail("bad fault offset");
  }
  ev.fault.vaddr = prev_vpn_ << 12 | off;
  getFaultTail(ev.fault, byte & kKindCompact);
  done_++;
}

}  // namespace kmr::detail
