// Trace events: plain value types, one per ring record kind of abi.h.
//
// The recorder translates each ring record (struct kmr_ev_*) into one Event
// (a PTE record that carries its fault, KMR_PTE_F_FAULT, into two: PTE then
// FAULT, same seq) and hands it to TraceWriter::appendAll(), which stores
// that pair as one row pair; the reader hands the same values back.  Field meanings, units and flag bits are exactly those of abi.h
// (KMR_PTE_*, KMR_FAULT_*, KMR_VM_*, KMR_VMA_F_*, causes and reasons); this
// header does not invent parallel enums.
//
// Variable-length payloads (a VMA name, an exec filename, PTE entries, page
// bytes) are views: when writing, they must stay valid for the duration of
// append(); when reading, until the next event is decoded.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include <kmemrec/abi.h>

namespace kmr {

// Values are the ring's KMR_EV_* numbers, so a kind survives any translation.
enum class EventKind : uint8_t {
  SnapshotBegin = KMR_EV_SNAPSHOT_BEGIN,
  SnapshotEnd = KMR_EV_SNAPSHOT_END,
  VmaSync = KMR_EV_VMA_SYNC,
  Vma = KMR_EV_VMA,
  Pte = KMR_EV_PTE,
  PteUnmap = KMR_EV_PTE_UNMAP,
  Cow = KMR_EV_COW,
  Fault = KMR_EV_FAULT,
  Fork = KMR_EV_FORK,
  Exec = KMR_EV_EXEC,
  Exit = KMR_EV_EXIT,
  Lost = KMR_EV_LOST,
  MemWrite = KMR_EV_MEM_WRITE,
  PageData = KMR_EV_PAGE_DATA,
  Signal = KMR_EV_SIGNAL,
  // Never stored: the reader yields it where a damaged chunk's events are
  // missing.  Applying it marks all state unknown, like a LOST of every kind.
  Gap = 31,
};

constexpr int kEventKindSlots = 32;  // arrays indexed by EventKind

// "pte-unmap" etc.; the names used by --kind and --json.
std::string_view kindName(EventKind kind);
std::optional<EventKind> kindFromName(std::string_view name);
// True for the kinds a file may store (everything but Gap and PAD).
inline bool isStoredKind(unsigned kind) {
  return kind >= KMR_EV_SNAPSHOT_BEGIN && kind < KMR_EV_NR_KINDS;
}

struct SnapshotData {  // SNAPSHOT_BEGIN/END; flags: enum kmr_snapshot_cause
  uint64_t start;
  uint64_t end;
  uint32_t pid;
  uint32_t nr_vmas;  // END only
  uint64_t nr_ptes;  // END only
};

struct VmaSyncData {  // flags: enum kmr_vma_cause
  uint64_t start;
  uint64_t end;
  uint32_t count;
};

struct VmaData {  // flags: KMR_VMA_F_*; name in Event::text
  uint64_t sync_seq;
  uint64_t start;
  uint64_t end;
  uint64_t pgoff;
  uint64_t ino;
  uint32_t dev;
  uint32_t vm_flags;  // KMR_VM_*
};

struct PteData {  // flags: enum kmr_pte_cause; KMR_PTE_MAKE entries in Event::entries
  uint64_t vaddr;
  uint32_t shift;
};

struct PteUnmapData {  // flags: enum kmr_unmap_reason
  uint64_t start;
  uint64_t end;
};

struct CowData {
  uint64_t vaddr;
  uint64_t old_pfn;
  uint64_t new_pfn;
  uint32_t tid;
  uint32_t cow_flags;  // KMR_COW_*
};

struct FaultData {
  uint64_t vaddr;
  uint64_t ip;
  uint32_t fault_flags;  // KMR_FAULT_*
  uint32_t tid;
};

struct ForkData {
  uint32_t child_pid;
};

struct ExitData {
  int32_t code;
};

struct LostData {
  uint64_t count;
  uint64_t kinds;  // bit (1 << KMR_EV_*) per kind dropped
  uint64_t first_ns;
  uint64_t last_ns;
};

struct MemWriteData {
  uint64_t vaddr;
  uint64_t len;
  uint32_t writer_pid;
  uint32_t mode;  // enum kmr_mem_mode
};

struct PageDataData {  // flags: KMR_PAGE_DATA_*; bytes in Event::data
  uint64_t vaddr;
  uint64_t pfn;
};

struct SignalData {  // flags: KMR_SIGNAL_F_*; a fatal signal taken, before its action
  uint32_t signo;
  int32_t code;   // si_code
  uint64_t addr;  // si_addr of a kernel-sent SEGV/BUS/ILL/FPE/TRAP, else 0
  uint32_t tid;
};

struct GapData {  // reader-made: a damaged chunk
  uint64_t chunk;   // chunk number
  uint64_t events;  // events lost (0 when not known)
  uint64_t first_ns;
  uint64_t last_ns;
};

// One event.  `kind` says which union member is live.  Trivially copyable.
struct Event {
  uint64_t seq = 0;
  uint64_t time_ns = 0;
  EventKind kind = EventKind::Exit;
  uint32_t flags = 0;  // the record's flags word (cause, reason, ...)
  union {
    SnapshotData snapshot = {};
    VmaSyncData vma_sync;
    VmaData vma;
    PteData pte;
    PteUnmapData pte_unmap;
    CowData cow;
    FaultData fault;
    ForkData fork;
    ExitData exit;
    LostData lost;
    MemWriteData mem_write;
    PageDataData page_data;
    SignalData signal;
    GapData gap;
  };
  std::string_view text;              // Vma: name; Exec: filename
  std::span<const uint64_t> entries;  // Pte: KMR_PTE_MAKE(pfn, flags) each
  std::span<const uint8_t> data;      // PageData: bytes or 8-byte hash
};

// Builders, so callers need not remember which fields a kind uses.
// The fields every kind has, and no payload views; the builders below fill
// in the rest.  The fill form overwrites an event in place.
inline void fillEventBase(Event& ev, uint64_t seq, uint64_t t, EventKind kind, uint32_t flags) {
  ev.seq = seq;
  ev.time_ns = t;
  ev.kind = kind;
  ev.flags = flags;
  ev.text = {};
  ev.entries = {};
  ev.data = {};
}
inline Event makeEventBase(uint64_t seq, uint64_t t, EventKind kind, uint32_t flags) {
  Event ev;
  fillEventBase(ev, seq, t, kind, flags);
  return ev;
}
Event makeSnapshot(uint64_t seq, uint64_t t, bool end, uint32_t cause, const SnapshotData& d);
Event makeVmaSync(uint64_t seq, uint64_t t, uint32_t cause, uint64_t start, uint64_t end,
                  uint32_t count);
Event makeVma(uint64_t seq, uint64_t t, uint32_t vma_flags, const VmaData& d,
              std::string_view name);
// (The record kinds of every fault inline: the recorder builds one or two
// per ring record.  The fill forms overwrite an existing event in place,
// every field the kind uses and the payload views: the recorder's events
// live in an array it reuses, and a temporary built and copied, 120 bytes
// each, was a fifth of its translation cost.)
inline void fillPte(Event& ev, uint64_t seq, uint64_t t, uint32_t cause, uint64_t vaddr,
                    uint32_t shift, std::span<const uint64_t> entries) {
  fillEventBase(ev, seq, t, EventKind::Pte, cause);
  ev.pte = {vaddr, shift};
  ev.entries = entries;
}
inline void fillFault(Event& ev, uint64_t seq, uint64_t t, uint32_t flags, const FaultData& d) {
  fillEventBase(ev, seq, t, EventKind::Fault, flags);
  ev.fault = d;
}
inline Event makePte(uint64_t seq, uint64_t t, uint32_t cause, uint64_t vaddr, uint32_t shift,
                     std::span<const uint64_t> entries) {
  Event ev;
  fillPte(ev, seq, t, cause, vaddr, shift, entries);
  return ev;
}
Event makePteUnmap(uint64_t seq, uint64_t t, uint32_t reason, uint64_t start, uint64_t end);
inline void fillCow(Event& ev, uint64_t seq, uint64_t t, uint32_t flags, const CowData& d) {
  fillEventBase(ev, seq, t, EventKind::Cow, flags);
  ev.cow = d;
}
inline Event makeCow(uint64_t seq, uint64_t t, const CowData& d) {
  Event ev;
  fillCow(ev, seq, t, 0, d);
  return ev;
}
inline Event makeFault(uint64_t seq, uint64_t t, const FaultData& d) {
  Event ev;
  fillFault(ev, seq, t, 0, d);
  return ev;
}
Event makeFork(uint64_t seq, uint64_t t, uint32_t child_pid);
Event makeExec(uint64_t seq, uint64_t t, std::string_view filename);
Event makeSignal(uint64_t seq, uint64_t t, uint32_t flags, const SignalData& d);
Event makeExit(uint64_t seq, uint64_t t, int32_t code);
Event makeLost(uint64_t seq, uint64_t t, const LostData& d);
Event makeMemWrite(uint64_t seq, uint64_t t, const MemWriteData& d);
Event makePageData(uint64_t seq, uint64_t t, uint32_t flags, uint64_t vaddr, uint64_t pfn,
                   std::span<const uint8_t> bytes);

// Exact equality of two events including their payloads.
bool operator==(const Event& a, const Event& b);

}  // namespace kmr
