// Inline part of chunk_codec.h: the encoder's per-event path, inlined into
// the writer's append loop (a call and a frame of six saved registers per
// event were ~7 % of the recorder's encoding cost).  Internal.
#pragma once

namespace kmr::detail {

inline void ChunkEncoder::note(const Event& ev) {
  if (count_ == 0) {
    first_seq_ = ev.seq;
    first_ns_ = min_ns_ = max_ns_ = ev.time_ns;
  }
  if (ev.time_ns < min_ns_) min_ns_ = ev.time_ns;
  if (ev.time_ns > max_ns_) max_ns_ = ev.time_ns;
  last_seq_ = ev.seq;
  count_++;
}

template <bool kReserved>
inline void ChunkEncoder::encode(const Event& ev) {
  // One switch on the kind: its columns, and whether the kind byte's
  // compact mark spares some (the columns are separate buffers, so the
  // kind byte may come after them).
  ColumnWriter& misc = cols_[kColMisc];
  bool compact = false;
  switch (ev.kind) {
    case EventKind::Pte: {
      compact = ev.pte.shift == 12 && ev.entries.size() == 1;
      putAddr<kReserved>(ev.pte.vaddr);
      if (!compact) {
        put<kReserved>(cols_[kColShapes], ev.pte.shift);
        put<kReserved>(cols_[kColShapes], ev.entries.size());
      }
      for (uint64_t e : ev.entries) {
        uint32_t f = KMR_PTE_FLAGS(e);
        put<kReserved>(cols_[kColPteFlags], f ^ prev_pte_flags_);
        prev_pte_flags_ = f;
        if (f & KMR_PTE_PRESENT) putPfn<kReserved>(KMR_PTE_PFN(e), f & KMR_PTE_ZERO);
        else put<kReserved>(misc, KMR_PTE_PFN(e));
      }
      break;
    }
    case EventKind::Fault:
      putAddr<kReserved>(ev.fault.vaddr);
      compact = putFaultTail<kReserved>(ev.fault);
      break;
    case EventKind::Cow:
      compact = ev.cow.tid == prev_tid_;
      putAddr<kReserved>(ev.cow.vaddr);
      putPfn<kReserved>(ev.cow.old_pfn, ev.cow.cow_flags & KMR_COW_ZERO);
      putPfn<kReserved>(ev.cow.new_pfn);
      if (!compact)
        putSigned<kReserved>(cols_[kColTids], static_cast<int64_t>(ev.cow.tid) - prev_tid_);
      prev_tid_ = ev.cow.tid;
      put<kReserved>(misc, ev.cow.cow_flags);
      break;
    case EventKind::PteUnmap:
      putAddr<kReserved>(ev.pte_unmap.start);
      put<kReserved>(misc, ev.pte_unmap.end - ev.pte_unmap.start);
      break;
    case EventKind::SnapshotBegin:
    case EventKind::SnapshotEnd:
      put<kReserved>(misc, ev.snapshot.start);
      put<kReserved>(misc, ev.snapshot.end);
      put<kReserved>(misc, ev.snapshot.pid);
      put<kReserved>(misc, ev.snapshot.nr_vmas);
      put<kReserved>(misc, ev.snapshot.nr_ptes);
      break;
    case EventKind::VmaSync:
      put<kReserved>(misc, ev.vma_sync.start);
      put<kReserved>(misc, ev.vma_sync.end);
      put<kReserved>(misc, ev.vma_sync.count);
      break;
    case EventKind::Vma:
      putSigned<kReserved>(misc, static_cast<int64_t>(ev.seq - ev.vma.sync_seq));
      put<kReserved>(misc, ev.vma.start);
      put<kReserved>(misc, ev.vma.end - ev.vma.start);
      put<kReserved>(misc, ev.vma.pgoff);
      put<kReserved>(misc, ev.vma.ino);
      put<kReserved>(misc, ev.vma.dev);
      put<kReserved>(misc, ev.vma.vm_flags);
      put<kReserved>(cols_[kColBytes], ev.text.size());
      cols_[kColBytes].putBytes(ev.text.data(), ev.text.size());
      break;
    case EventKind::Fork:
      put<kReserved>(misc, ev.fork.child_pid);
      break;
    case EventKind::Exec:
      put<kReserved>(cols_[kColBytes], ev.text.size());
      cols_[kColBytes].putBytes(ev.text.data(), ev.text.size());
      break;
    case EventKind::Exit:
      putSigned<kReserved>(misc, ev.exit.code);
      break;
    case EventKind::Signal:
      put<kReserved>(misc, ev.signal.signo);
      putSigned<kReserved>(misc, ev.signal.code);
      put<kReserved>(misc, ev.signal.addr);
      put<kReserved>(misc, ev.signal.tid);
      break;
    case EventKind::Lost:
      put<kReserved>(misc, ev.lost.count);
      put<kReserved>(misc, ev.lost.kinds);
      put<kReserved>(misc, ev.lost.first_ns);
      put<kReserved>(misc, ev.lost.last_ns);
      break;
    case EventKind::MemWrite:
      putAddr<kReserved>(ev.mem_write.vaddr);
      put<kReserved>(misc, ev.mem_write.len);
      put<kReserved>(misc, ev.mem_write.writer_pid);
      put<kReserved>(misc, ev.mem_write.mode);
      break;
    case EventKind::PageData:
      putAddr<kReserved>(ev.page_data.vaddr);
      putPfn<kReserved>(ev.page_data.pfn);
      put<kReserved>(cols_[kColBytes], ev.data.size());
      cols_[kColBytes].putBytes(ev.data.data(), ev.data.size());
      break;
    case EventKind::Gap:
      break;  // rejected above
  }

  // The kind byte also says what the common case spares: a zero flags
  // word, a dense seq, a single 4 KiB PTE entry or an unchanged tid.
  bool dense = ev.seq == prev_seq_ + 1;
  uint8_t kind_byte = static_cast<uint8_t>(static_cast<unsigned>(ev.kind) |
                                           (ev.flags ? kKindHasFlags : 0) |
                                           (dense ? kKindDenseSeq : 0) |
                                           (compact ? kKindCompact : 0));
  if constexpr (kReserved) cols_[kColKinds].putByteReserved(kind_byte);
  else cols_[kColKinds].putByte(kind_byte);
  if (ev.flags) put<kReserved>(cols_[kColFlags], ev.flags);
  if (!dense) putSigned<kReserved>(cols_[kColSeqs], static_cast<int64_t>(ev.seq - prev_seq_ - 1));
  putSigned<kReserved>(cols_[kColTimes], static_cast<int64_t>(ev.time_ns - prev_ns_));
  prev_seq_ = ev.seq;
  prev_ns_ = ev.time_ns;
}

inline void ChunkEncoder::add(const Event& ev) {
  const bool small =
      ev.entries.size() <= kSmallEntries && (ev.text.size() | ev.data.size()) == 0;
  if (!small || !isStoredKind(static_cast<unsigned>(ev.kind))) [[unlikely]] {
    addLarge(ev);  // validates, and refuses what cannot be stored
    return;
  }
  note(ev);
  if (room_events_ == 0) [[unlikely]] room_events_ = makeRoom();
  room_events_--;
  encode<true>(ev);
}

inline bool ChunkEncoder::pairs(const Event& pte, const Event& fault) {
  return pte.kind == EventKind::Pte && fault.kind == EventKind::Fault && fault.seq == pte.seq &&
         fault.time_ns == pte.time_ns && fault.flags == 0 &&
         fault.fault.vaddr >> 12 == pte.pte.vaddr >> 12 && !(pte.pte.vaddr & 0xfff) &&
         pte.entries.size() <= kSmallEntries && (fault.text.size() | fault.data.size()) == 0 &&
         fault.entries.empty();
}

template <bool kReserved>
inline bool ChunkEncoder::putFaultTail(const FaultData& f) {
  const bool compact = f.tid == prev_tid_;
  putSigned<kReserved>(cols_[kColIps], static_cast<int64_t>(f.ip - prev_ip_));
  prev_ip_ = f.ip;
  put<kReserved>(cols_[kColFaultFlags], f.fault_flags);
  if (!compact) putSigned<kReserved>(cols_[kColTids], static_cast<int64_t>(f.tid) - prev_tid_);
  prev_tid_ = f.tid;
  return compact;
}

inline void ChunkEncoder::encodeFaultOfPte(const FaultData& f) {
  // seq, time and page are the PTE row's, as are the delta bases.
  uint64_t off = f.vaddr & 0xfff;
  if (off) cols_[kColOffsets].putReserved(off);
  const bool compact = putFaultTail<true>(f);
  cols_[kColKinds].putByteReserved(static_cast<uint8_t>(
      kRowFaultOfPte | (off ? kFaultOfPteHasOffset : 0) | (compact ? kKindCompact : 0)));
}

inline void ChunkEncoder::addPair(const Event& pte, const Event& fault) {
  note(pte);
  count_++;  // the FAULT: same seq and time, so the bounds stand
  if (room_events_ < 2) [[unlikely]] room_events_ = makeRoom();
  room_events_ -= 2;
  encode<true>(pte);
  encodeFaultOfPte(fault.fault);
}

}  // namespace kmr::detail
