// The shadow VMA set and the VMA-window semantics of abi.h.
//
// The kernel does not classify VMA operations.  It sends a window (VMA_SYNC
// [start, end) + count VMA records) meaning "after this, the VMAs
// overlapping [start, end) are exactly these, each sent whole".  applyWindow
// reproduces the kernel's VMA boundaries exactly:
//
//   cover = [start, end) united with every sent VMA;
//   shadow VMAs are trimmed to the parts outside cover (a right remainder's
//   pgoff advances by the pages cut off), untouched when wholly outside;
//   the sent VMAs are inserted.
//
// and derives the user-visible operations from the difference, segment by
// segment over cover (old piece vs new VMA, compared by identity = device,
// inode and the pgoff at the same address, plus anon-ness):
//
//   old only              unmap
//   new only              map; grow when it extends a VMA that stays (same
//                         identity) and the cause is not MMAP (brk, stack,
//                         mremap in place)
//   both, same identity   protect when vm_flags differ; nothing otherwise,
//                         except that under cause MMAP the part inside the
//                         window is a map (MAP_FIXED over an equal mapping)
//   both, other identity  unmap of the old + map of the new
//
// An unmap and a map of the same identity and length within one window are
// one move (mremap).  mremap may also arrive as two windows with cause
// MREMAP (destination first, source second, or the reverse); the state model
// pairs those (see ShadowState).  Windows with cause SNAPSHOT establish
// state and yield no operations.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace kmr {

struct Vma {
  uint64_t start = 0;
  uint64_t end = 0;
  uint64_t pgoff = 0;  // in pages
  uint64_t ino = 0;
  uint32_t dev = 0;
  uint32_t vm_flags = 0;  // KMR_VM_*
  uint32_t flags = 0;     // KMR_VMA_F_*
  std::string name;

  bool operator==(const Vma&) const = default;
};

// "rw-p" as in /proc/pid/maps.
std::string permString(uint32_t vm_flags);
// The name /proc/pid/maps would show, or "[anon]" for an unnamed mapping.
std::string displayName(const Vma& v);

enum class VmaOpKind : uint8_t { Map, Unmap, Protect, Move, Grow };
constexpr int kVmaOpKinds = 5;
std::string_view vmaOpName(VmaOpKind k);  // "map", "unmap", "protect", "move", "grow"
std::optional<VmaOpKind> vmaOpFromName(std::string_view name);

struct VmaOp {
  VmaOpKind kind = VmaOpKind::Map;
  uint64_t start = 0;  // the range the operation produced (unmap: removed)
  uint64_t end = 0;
  uint64_t old_start = 0;  // move: source; grow: extent before; else = start
  uint64_t old_end = 0;
  uint32_t old_vm_flags = 0;  // protect: before; else the VMA's flags
  uint32_t vm_flags = 0;
  uint32_t cause = 0;  // enum kmr_vma_cause of the window
  std::string name;    // displayName of the VMA concerned
  // Identity of the VMA concerned at `start` (pairs the halves of an
  // mremap that arrives as two windows).
  uint64_t ino = 0;
  uint64_t pgoff = 0;
  uint32_t dev = 0;
  uint32_t vma_flags = 0;  // KMR_VMA_F_*

  bool operator==(const VmaOp&) const = default;
};

// One VMA_SYNC window and the VMA records received for it so far.
struct VmaWindow {
  uint64_t sync_seq = 0;
  uint64_t start = 0;
  uint64_t end = 0;
  uint32_t count = 0;
  uint32_t cause = 0;
  uint64_t time_ns = 0;
  std::vector<Vma> vmas;

  bool operator==(const VmaWindow&) const = default;
};

class VmaMap {
 public:
  // Apply a complete window.  Sent VMAs that are empty or overlap an
  // earlier sent VMA are skipped and counted in *bad.  Ops are appended.
  void applyWindow(const VmaWindow& w, std::vector<VmaOp>* ops, uint64_t* bad);

  // The VMA containing addr, or null.
  const Vma* find(uint64_t addr) const;
  // Insert a VMA that overlaps nothing (keyframe loading).  False if it would.
  bool insert(const Vma& v);
  void clear() { m_.clear(); }
  size_t size() const { return m_.size(); }
  bool empty() const { return m_.empty(); }
  auto begin() const { return m_.begin(); }
  auto end() const { return m_.end(); }
  std::vector<Vma> list() const;

  bool operator==(const VmaMap&) const = default;

 private:
  std::map<uint64_t, Vma> m_;  // start -> VMA, disjoint
};

}  // namespace kmr
