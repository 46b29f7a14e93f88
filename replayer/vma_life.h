// VMA lives: the logical mappings of a trace, followed from creation to end.
//
// The kernel's VMA boundaries change under a mapping's feet (mprotect splits
// it, mremap moves it, brk and stack growth extend it, a partial munmap cuts
// it), so a VMA as /proc/pid/maps shows it at one instant is no identity
// over time.  A life is what a user thinks of as "that buffer": created by a
// map operation (or found by a snapshot), kept through protect / move / grow
// / partial unmap, ended when its last page of address space is unmapped,
// the image is replaced (exec) or the process exits.
//
// LifeTracker follows lives from the VMA operations Replay::run derives
// (want_ops = true) and reconciles them with the shadow VMA set at every
// snapshot end (START, EXEC, RESYNC), so lost windows and damaged chunks
// cannot leave it wrong for longer than one snapshot.  Per life it counts
// faults by kind, CoW, writes through kmemrec, pages populated by faults
// ("first touches"), resident pages now / peak / final, and the times of
// the first and last access.
//
// Resident pages per life cost O(1) per event: the change of
// state.pages().presentPages() an event caused is credited to the one life
// whose address range holds the event's page range; an event spanning
// several lives (exit, a window over many VMAs) recounts those lives from
// the page table instead.
//
// Listeners (compare, --svg, --perfetto) see lives begin, change and end,
// accesses and page changes, in trace order, with times clamped to be
// monotonic (a record's time may step back a few ns between CPUs).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "kmr/error.h"  // before replay.h: reader.h uses Error
#include "kmr/replay.h"
#include "vma_stats.h"
#include "presence_map.h"

namespace kmr::replayer {

// Interned strings (VMA names), so a life is small and names compare by id.
class NameTable {
 public:
  static constexpr uint32_t kNone = UINT32_MAX;
  uint32_t intern(std::string_view s);
  const std::string& str(uint32_t id) const;
  size_t size() const { return names_.size(); }

 private:
  std::vector<std::string> names_;
  std::unordered_map<std::string, uint32_t> ids_;
};

enum class LifeKind : uint8_t {
  File,       // file-backed: identity = path + pgoff
  Heap,       // [heap]
  Stack,      // [stack]
  Special,    // [vdso], [vvar], ...
  NamedAnon,  // anonymous with a name ([anon:foo])
  Anon,       // anonymous, unnamed: identity = order of creation, size, protection
};
std::string_view lifeKindName(LifeKind k);

enum class LifeOrigin : uint8_t {
  Start,     // in the first snapshot: mapped before recording began
  Window,    // already mapped when the replayed window began (--from)
  Mapped,    // a map operation during the trace
  Exec,      // the snapshot of a new image after exec
  Resync,    // first seen by a snapshot after lost events
  Appeared,  // first seen through the VMA set without a map operation
};
std::string_view lifeOriginName(LifeOrigin o);

enum class LifeEnd : uint8_t { Alive, Unmapped, Exec, Exit, Vanished /* a snapshot no longer had it */ };
std::string_view lifeEndName(LifeEnd e);

// The --hist counts (faults by kind, CoW copies and reuses, kmemfetch
// writes), plus first touches.
struct LifeCounts : FaultCounts {
  uint64_t first_touch = 0;  // pages made present by a demand fault
  bool operator==(const LifeCounts&) const = default;
};

struct VmaLife {
  static constexpr uint32_t kNone = UINT32_MAX;

  uint32_t id = 0;
  uint32_t name = NameTable::kNone;   // displayName at creation
  uint32_t after = NameTable::kNone;  // Anon: the file it directly followed at creation
  LifeKind kind = LifeKind::Anon;
  LifeOrigin origin = LifeOrigin::Mapped;
  LifeEnd end_how = LifeEnd::Alive;
  uint32_t vm_flags = 0;       // KMR_VM_* at creation
  uint32_t vm_flags_last = 0;  // after the last protect
  uint32_t vma_flags = 0;      // KMR_VMA_F_*
  uint32_t dev = 0;
  uint64_t ino = 0;
  uint64_t pgoff = 0;  // at the creation start
  uint64_t start = 0;  // extent at creation
  uint64_t end = 0;
  uint64_t last_start = 0;  // extent at the end (or now)
  uint64_t last_end = 0;
  uint64_t max_pages = 0;  // largest extent
  uint64_t created_ns = 0;
  uint64_t ended_ns = 0;  // 0 while alive
  uint32_t image = 0;  // execs before it was created (0 = the first image)
  uint32_t moves = 0, grows = 0, protects = 0;
  uint32_t segments = 0;  // address ranges it holds now
  LifeCounts counts;
  uint64_t resident = 0;
  uint64_t peak_resident = 0;
  uint64_t final_resident = 0;  // at exit/exec teardown or the end; 0 if unmapped before
  uint64_t first_touch_ns = 0;  // first/last fault, CoW or write; 0 = never
  uint64_t last_touch_ns = 0;

  bool alive() const { return end_how == LifeEnd::Alive; }
  uint64_t pages() const { return (end - start) / 4096; }

  // Internal: resident when the mm teardown began.
  uint64_t released_resident = 0;
  bool released = false;
};

class LifeTracker;

// What a view hears from the tracker.  Default: nothing.
class LifeListener {
 public:
  virtual ~LifeListener() = default;
  virtual void lifeBegan(const VmaLife&) {}
  // A protect, move, grow or partial unmap (`op` says which).
  virtual void lifeChanged(const VmaLife&, const VmaOp&) {}
  virtual void lifeEnded(const VmaLife&) {}
  virtual void residentChanged(const VmaLife&) {}
  // FAULT, COW, MEM_WRITE; life is null outside every VMA.
  virtual void access(const VmaLife*, const Event&) {}
  // A PTE or PTE_UNMAP record (or a reset) changed the present pages by
  // `delta` (counted after the event).
  virtual void pagesChanged(const Event&, int64_t /*delta*/, const ShadowState&) {}
  // FORK, EXEC, EXIT, LOST, GAP, SNAPSHOT_BEGIN/END.
  virtual void processEvent(const Event&) {}
};

struct LifeTotals {
  uint64_t events = 0;
  uint64_t peak_present = 0;  // peak resident pages of the process
  uint64_t lost_records = 0;
  uint64_t gaps = 0;  // damaged chunks
  uint64_t forks = 0;
  uint64_t execs = 0;
  LifeCounts counts;  // every access, including outside VMAs
};

class LifeTracker : public EventVisitor {
 public:
  struct Options {
    bool retain_ended = true;  // false: ended lives are recycled (long exports)
  };
  LifeTracker(uint64_t trace_start_ns, LifeListener* listener, Options o);
  explicit LifeTracker(uint64_t trace_start_ns, LifeListener* listener = nullptr)
      : LifeTracker(trace_start_ns, listener, Options{}) {}

  // Lives for the VMAs of `state` (origin Start at position 0 or Window),
  // at time t.  Call once before the first event.
  void begin(const ShadowState& state, uint64_t t);

  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState& state,
               const std::vector<VmaOp>& ops) override;
  // The end of the trace: held operations, then final values.
  void onEnd(const ShadowState& state, const std::vector<VmaOp>& ops) override;
  // The end of a window that stops before the end of the trace.
  void finish(const ShadowState& state);

  // Lives by id.  Without retain_ended, ended slots are reused.
  const std::vector<VmaLife>& lives() const { return lives_; }
  const NameTable& names() const { return names_; }
  const LifeTotals& totals() const { return totals_; }
  // Present pages of the process now (kept by the tracker: the page
  // table counts only on demand).
  uint64_t presentPages() const { return presence_.count(); }
  // Monotonic "now": the highest event time seen.
  uint64_t now() const { return now_; }
  uint64_t traceStartNs() const { return start_ns_; }
  // Between a SNAPSHOT_BEGIN and its END the resident counts are those of
  // before it (the state is being rebuilt); they are exact again at END.
  bool inSnapshot() const { return in_snapshot_; }
  // The life holding addr now, or null.
  const VmaLife* lifeAt(uint64_t addr) const;

 private:
  struct Seg {
    uint64_t end;
    uint32_t life;
  };
  struct Piece {  // part of a life's range taken by an operation
    uint32_t life;
    uint64_t start, end;
  };

  VmaLife& create(const Vma& v, LifeOrigin origin);
  VmaLife& createFromOp(const VmaOp& op);
  void fillIdentity(VmaLife& l, uint64_t start, uint64_t end, uint32_t vm_flags,
                    uint32_t vma_flags, uint64_t ino, uint32_t dev, uint64_t pgoff,
                    std::string_view name);
  void endLife(VmaLife& l, LifeEnd how);
  void endAll(LifeEnd how);
  // Remove [s, e) from every life; the parts removed are added to *pieces.
  void carve(uint64_t s, uint64_t e, std::vector<Piece>* pieces);
  void assign(uint64_t s, uint64_t e, uint32_t life);
  void applyOps(const std::vector<VmaOp>& ops, const ShadowState& state);
  void reconcile(const ShadowState& state, LifeOrigin origin);
  void settle(std::vector<Piece>& pieces, const ShadowState& state, LifeEnd how, const VmaOp* op);
  void gain(VmaLife& l, uint64_t start, uint64_t end, const ShadowState& state);
  void recount(VmaLife& l, const ShadowState& state);
  void setResident(VmaLife& l, uint64_t pages);
  void creditPages(const Event& ev, int64_t delta, const ShadowState& state);
  VmaLife* lifeFor(uint64_t addr, const ShadowState& state);
  void countAccess(VmaLife* l, const Event& ev);
  void release(uint64_t s, uint64_t e);
  uint32_t fileBefore(uint64_t addr, LifeOrigin origin) const;

  uint64_t start_ns_;
  LifeListener* listener_;
  Options opt_;
  NameTable names_;
  std::vector<VmaLife> lives_;
  std::vector<uint32_t> free_;  // recycled slots (retain_ended = false)
  std::map<uint64_t, Seg> segs_;  // start -> [start, end) held by a life
  // The segment of the last lookup (segs_ changes invalidate it).
  mutable uint64_t cache_start_ = 1, cache_end_ = 0;
  mutable uint32_t cache_life_ = VmaLife::kNone;
  PresenceMap presence_;
  uint64_t now_ = 0;
  bool in_snapshot_ = false;
  uint32_t snapshot_cause_ = 0;
  bool first_snapshot_done_ = false;
  LifeTotals totals_;
  std::vector<uint32_t> scratch_;
  std::vector<Piece> pieces_;
};

// "[heap] rw-p", "libc.so.6 r-xp +0x28", "[anon] rw-p #7" style label
// pieces shared by the views.
std::string lifePerm(const VmaLife& l);

}  // namespace kmr::replayer
