// The simulated process behind kmemsynth: its VMAs and page table, and the
// records the kernel module would send for each thing it does.  Internal.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "kmr/page_table.h"
#include "kmr/vma_map.h"
#include "synth/arena.h"
#include "synth/pfn_allocator.h"
#include "synth/synth.h"

namespace kmr::synth {

// Numbers events, stamps nothing (the process owns the clock), and can drop
// a run of records the way a full ring does, reporting them with one LOST.
class Emitter {
 public:
  void begin(std::vector<Event>* out) {
    out_ = out;
    arena_.reset();
    texts_.clear();
    datas_.clear();
  }
  // Returns the seq given to the record, 0 when it was dropped.
  uint64_t emit(Event ev);
  // Emit @ev with the seq of the last event emitted (@seq, which emit()
  // returned): the FAULT of a PTE record that carries it.  False, and
  // nothing emitted, when another event came in between or records are
  // being dropped.
  bool emitWithLast(Event ev, uint64_t seq);
  // Copies of payloads that live until the next begin().
  std::span<const uint64_t> entries(std::span<const uint64_t> e);
  std::string_view text(std::string_view t);
  std::span<const uint8_t> bytes(std::span<const uint8_t> b);
  void startDropping(uint64_t n) { drop_left_ = n; }
  bool dropping() const { return drop_left_ > 0; }
  uint64_t written() const { return written_; }

 private:
  std::vector<Event>* out_ = nullptr;
  EntryArena arena_;
  std::deque<std::string> texts_;
  std::deque<std::vector<uint8_t>> datas_;
  uint64_t seq_ = 0;
  uint64_t written_ = 0;
  uint64_t drop_left_ = 0;
  LostData lost_{};
};

class Process {
 public:
  Process(const SynthOptions& o, Emitter& out, std::mt19937_64& rng, uint64_t start_ns);

  // Time.
  uint64_t now() const { return now_; }
  void think(uint64_t min_ns, uint64_t spread_ns);

  // The initial image (model only; snapshot() sends it).
  void buildImage(const std::string& exe);
  void snapshot(uint32_t cause);
  void exec(const std::string& exe);
  void exit(int32_t code);

  // VMA operations: model + the kernel's window and PTE records.
  uint64_t findFree(uint64_t bytes) const;  // top-down in the mmap area
  void mmapAnon(uint64_t start, uint64_t bytes, uint32_t vm_flags);
  void mmapFile(uint64_t start, uint64_t bytes, uint64_t pgoff, const std::string& path,
                uint32_t vm_flags);
  void munmap(uint64_t start, uint64_t end);
  void mprotect(uint64_t start, uint64_t end, uint32_t vm_flags);
  void mremapMove(uint64_t start, uint64_t end, uint64_t to);
  void brk(uint64_t new_end);
  void growStack(uint64_t pages);
  void madviseDontneed(uint64_t start, uint64_t end);

  // Page events.  touch returns false when the access needed no fault.
  bool touch(uint64_t vaddr, bool write);
  void fork();
  void childExited() { child_alive_ = false; }
  void memWrite(uint64_t vaddr, uint64_t len);

  const std::map<uint64_t, Vma>& vmas() const { return vmas_; }
  const PageTable& pages() const { return pages_; }
  uint64_t heapStart() const { return heap_start_; }
  uint64_t heapEnd() const { return heap_end_; }
  uint64_t stackStart() const;
  std::mt19937_64& rng() { return rng_; }

 private:
  const Vma* findVma(uint64_t addr) const;
  void insertVma(Vma v);
  void removeVmas(uint64_t start, uint64_t end);  // trims, pgoff adjusted
  void window(uint64_t start, uint64_t end, uint32_t cause);
  void unmapPages(uint64_t start, uint64_t end, uint32_t reason, bool free_frames);
  void resync(uint64_t start, uint64_t end);  // RESYNC PTE runs of what is present
  void emitRuns(uint64_t start, uint64_t end, uint32_t cause);
  void fault(uint64_t vaddr, uint32_t flags);
  void cow(uint64_t vaddr, uint64_t old_pfn, uint64_t new_pfn, uint32_t cow_flags);
  void pte(uint64_t vaddr, uint64_t entry, uint32_t cause);
  uint64_t serviceTime();
  uint64_t fileIno(const std::string& path) const;

  const SynthOptions& o_;
  Emitter& out_;
  std::mt19937_64& rng_;
  PfnAllocator pfns_;
  std::map<uint64_t, Vma> vmas_;
  PageTable pages_;
  uint64_t now_;
  uint64_t slide_;
  uint64_t heap_start_ = 0, heap_end_ = 0;
  uint64_t mmap_top_ = 0;
  bool child_alive_ = false;
  uint32_t next_child_ = 0;
  std::vector<uint64_t> ips_;
  // The last one-page PTE record a fault set (for fold_faults).
  uint64_t fault_pte_seq_ = 0, fault_pte_page_ = 0, fault_pte_ns_ = 0;
};

}  // namespace kmr::synth
