// Events <-> the columns of one chunk (encoding documented in kmr.capnp).
// Internal.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "kmr/capnp_frames.h"
#include "kmr/event.h"
#include "kmr/varint.h"

namespace kmr::detail {

// Limits shared by writer and reader.
constexpr uint64_t kMaxPteEntries = 1u << 20;
constexpr uint64_t kMaxTextBytes = 4096;
constexpr uint64_t kMaxDataBytes = 1u << 20;
constexpr uint32_t kMaxChunkEvents = 1u << 24;

// The kind column's byte: the kind, and marks that spare other columns.
constexpr uint8_t kKindMask = 0x1f;
constexpr uint8_t kKindCompact = 0x20;   // PTE: shift 12 and one entry (no shapes);
                                         // FAULT, COW: tid as before (no tids)
constexpr uint8_t kKindDenseSeq = 0x40;  // seq = previous + 1: no seqs entry
constexpr uint8_t kKindHasFlags = 0x80;  // a flags entry (else the flags word is 0)

// Version 4: a kind byte whose low bits are kRowFaultOfPte is the FAULT
// of the PTE row just before it (the module's one record per fault,
// KMR_PTE_F_FAULT): the same seq and time and the same 4 KiB page, so no
// seqs, times or addrs entry.  Its bit 6 means an offsets entry (the
// fault address's low 12 bits, else 0), bit 5 is FAULT's compact mark and
// bit 7 is never set (the flags word is 0).  The reader yields an
// ordinary FAULT event.  (Storing the pair as one row halved the writer's
// work for the commonest record: columns, state, totals.)
constexpr uint8_t kRowFaultOfPte = 30;
constexpr uint8_t kFaultOfPteHasOffset = 0x40;

class ChunkEncoder {
 public:
  // Append one event; no allocation once the columns have grown to size.
  // Throws Error(Usage) for a kind that cannot be stored or a payload over
  // the limits above (checked before anything is written).
  // (Inline: chunk_encode_inl.h.)
  [[gnu::always_inline]] inline void add(const Event& ev);
  // True when @fault can be stored as the FAULT of the PTE @pte (same
  // seq, time and page, flags word 0, both small): addPair() then takes
  // both as one row pair.
  static bool pairs(const Event& pte, const Event& fault);
  // Append @pte and its @fault (pairs() said so); counts two events.
  [[gnu::always_inline]] inline void addPair(const Event& pte, const Event& fault);

  uint32_t count() const { return count_; }
  size_t rawBytes() const;
  uint64_t firstSeq() const { return first_seq_; }
  uint64_t lastSeq() const { return last_seq_; }
  uint64_t firstNs() const { return first_ns_; }
  uint64_t minNs() const { return min_ns_; }
  uint64_t maxNs() const { return max_ns_; }

  // The columns, sealed for referencing; valid until the next add/reset.
  ChunkFrame frame(uint32_t number, uint64_t first_event);
  void reset();

 private:
  // A small event (no name or page bytes, at most kSmallEntries PTE
  // entries) writes at most kSmallEventBytes into any column (7 varints of
  // up to 9 bytes: a VMA's misc), counting put()'s 8-byte store.  The
  // encoder keeps room for room_events_ of them in every column, so their
  // values skip put()'s room check (one test per event instead of ~6).
  static constexpr size_t kSmallEntries = 4;
  static constexpr size_t kSmallEventBytes = 64;
  static constexpr size_t kMinRoomBytes = 32 * kSmallEventBytes;

  // Column writes of encode<kReserved>: unchecked when room was reserved.
  template <bool kReserved>
  [[gnu::always_inline]] static void put(ColumnWriter& c, uint64_t v) {
    if constexpr (kReserved) c.putReserved(v);
    else c.put(v);
  }
  template <bool kReserved>
  [[gnu::always_inline]] static void putSigned(ColumnWriter& c, int64_t v) {
    put<kReserved>(c, zigzag(v));
  }
  template <bool kReserved>
  [[gnu::always_inline]] void putAddr(uint64_t a) {
    uint64_t vpn = a >> 12;
    uint64_t off = a & 0xfff;
    put<kReserved>(cols_[kColAddrs],
                   zigzag(static_cast<int64_t>(vpn - prev_vpn_)) << 1 | (off != 0));
    if (off) put<kReserved>(cols_[kColOffsets], off);
    prev_vpn_ = vpn;
  }
  // The shared zero page has its own delta base: it interleaves with fresh
  // frames in read-then-write patterns and would cost two far jumps each time.
  template <bool kReserved>
  [[gnu::always_inline]] void putPfn(uint64_t pfn, bool zero = false) {
    uint64_t& prev = zero ? prev_zero_pfn_ : prev_pfn_;
    putSigned<kReserved>(cols_[kColPfns], static_cast<int64_t>(pfn - prev));
    prev = pfn;
  }
  // The columns of one event, after add() validated it and counted it
  // (inlined into add's small-event path and into addLarge()).
  template <bool kReserved>
  [[gnu::always_inline]] inline void encode(const Event& ev);
  // The FAULT row of a pair, after its PTE row (room reserved).
  [[gnu::always_inline]] inline void encodeFaultOfPte(const FaultData& f);
  // A FAULT's ips, faultFlags and (unless compact) tids entries, shared by
  // both FAULT rows; returns compact (the tid is the previous one).
  template <bool kReserved>
  [[gnu::always_inline]] inline bool putFaultTail(const FaultData& f);
  // add() of a large event, or of one it refuses.
  [[gnu::noinline]] void addLarge(const Event& ev);
  // The chunk's counts and bounds, for an event about to be encoded.
  [[gnu::always_inline]] inline void note(const Event& ev);
  // Room for at least one small event in every column; returns how many.
  size_t makeRoom();

  std::array<ColumnWriter, kColumnCount> cols_;
  size_t room_events_ = 0;  // small events every column has room for
  uint32_t count_ = 0;
  uint64_t first_seq_ = 0, last_seq_ = 0, first_ns_ = 0, min_ns_ = 0, max_ns_ = 0;
  uint64_t prev_seq_ = 0, prev_ns_ = 0, prev_vpn_ = 0, prev_pfn_ = 0, prev_zero_pfn_ = 0;
  uint64_t prev_ip_ = 0;
  uint32_t prev_tid_ = 0, prev_pte_flags_ = 0;
};

class ChunkDecoder {
 public:
  // Start decoding a chunk.  Throws Error(Damaged) when the columns cannot
  // hold `count` events.  The frame's buffer must outlive the decoder's use.
  void reset(const ChunkFrame& f);
  // The next event (payload views valid until the next call), or false at
  // the end.  Throws Error(Damaged) naming the event when the columns are
  // inconsistent.
  bool next(Event& ev);
  // Up to out.size() (at most kBatch) events at once; fewer after a PTE run
  // (its entries are valid only until the next call).  0 at the end.
  size_t nextBatch(std::span<Event> out);
  static constexpr size_t kBatch = 256;
  uint32_t count() const { return count_; }
  uint32_t decoded() const { return done_; }

 private:
  uint64_t getAddr() {
    uint64_t v = cols_[kColAddrs].get();
    prev_vpn_ += static_cast<uint64_t>(unzigzag(v >> 1));
    uint64_t a = prev_vpn_ << 12;
    if (v & 1) a |= cols_[kColOffsets].get() & 0xfff;
    return a;
  }
  uint64_t getPfn(bool zero = false) {
    uint64_t& prev = zero ? prev_zero_pfn_ : prev_pfn_;
    prev += static_cast<uint64_t>(cols_[kColPfns].getSigned());
    return prev;
  }
  void decodeOne(Event& ev, uint64_t* single);
  void decodeFaultOfPte(Event& ev, unsigned byte);
  // putFaultTail()'s entries back into @f (all but vaddr).
  void getFaultTail(FaultData& f, bool compact) {
    prev_ip_ += static_cast<uint64_t>(cols_[kColIps].getSigned());
    f.ip = prev_ip_;
    f.fault_flags = static_cast<uint32_t>(cols_[kColFaultFlags].get());
    if (!compact) prev_tid_ += static_cast<uint32_t>(cols_[kColTids].getSigned());
    f.tid = prev_tid_;
  }
  [[noreturn]] void fail(const char* what) const;
  void checkEnd() const;

  std::array<ColumnReader, kColumnCount> cols_;
  uint32_t count_ = 0, done_ = 0;
  uint64_t prev_seq_ = 0, prev_ns_ = 0, prev_vpn_ = 0, prev_pfn_ = 0, prev_zero_pfn_ = 0;
  uint64_t prev_ip_ = 0;
  uint32_t prev_tid_ = 0, prev_pte_flags_ = 0;
  bool after_pte_ = false;  // the previous row was a PTE (a FAULT-of-PTE row may follow)
  std::vector<uint64_t> entries_;     // a PTE run's entries
  std::array<uint64_t, kBatch> single_;  // one-entry PTEs, one slot per batch event
};

}  // namespace kmr::detail

#include "kmr/chunk_encode_inl.h"
