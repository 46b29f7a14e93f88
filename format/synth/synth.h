// kmemsynth: realistic, self-consistent synthetic traces for tests and
// benchmarks, produced through the same TraceWriter the recorder uses.
//
// A simulated process (text, data, heap, libraries, stack, vdso) is
// snapshotted at start, then runs a pattern:
//
//   seq     touch a 32 MiB mapping page by page (fault + PTE per page, vpn
//           delta 1), unmap it, map the next
//           (working sets shrink for short traces, so every phase shows)
//   random  touch random pages of a 256 MiB mapping (reads map the zero
//           page, writes to it CoW), dropping 2 MiB with MADV_DONTNEED now
//           and then
//   fork    fill 64 MiB, then fork: write-protect (unmap + resync), CoW
//           faults with old/new pfns, the child exits, writes reuse pages
//   churn   mmap/munmap/mprotect/mremap/brk/stack growth, file mappings
//           with fault-around, writes through kmemfetch
//
// pfns come from a model of the page allocator: descending runs of a pcp
// batch from a frontier with small jumps between batches, and freed pages
// reused last-in first-out; not random.  Options add a LOST gap (records
// dropped, a LOST record, then a RESYNC snapshot), an exec, and page data.
//
// Several processes (`--processes N`, tree.cpp): a root process and N-1
// forked ones, each running the pattern with its own seed and its own
// stream in the file (format version 3).  Process k (1-based) is forked by
// process (k-1)/2 - the root forks 1 and 2, process 1 forks 3 and 4 (the
// root's grandchildren) - when its parent has written k/(N+1) of its events:
// the parent records FORK naming the child's pid, the child starts with its
// own snapshot at that instant and ends with EXIT "exited with status k"
// (wait() status k << 8).  Their events
// interleave in the file by time, as a recorder's would.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kmr/event.h"
#include "kmr/header.h"
#include "kmr/writer.h"

namespace kmr::synth {

enum class Pattern { Seq, Random, Fork, Churn };
std::optional<Pattern> patternFromName(std::string_view name);
std::string_view patternName(Pattern p);

enum class PageData { None, Hash, Bytes };

constexpr uint64_t kDefaultBase = 0x555555554000;

struct SynthOptions {
  uint64_t events = 100000;  // about this many (whole operations)
  Pattern pattern = Pattern::Seq;
  uint64_t seed = 1;
  uint64_t base = kDefaultBase;  // load address; libraries and stack move with it
  bool lost = false;             // drop ~1% of the records mid-trace
  bool exec = false;             // exec a new image a third of the way in
  bool exit = true;              // end with the mm released and EXIT
  PageData page_data = PageData::None;  // after each CoW copy
  bool lossless = false;         // as `kmemrec --lossless`: hold figures in the index
  bool fold_faults = false;      // a fault's FAULT shares its PTE's seq and time, as the
                                 // module sends them since ABI 3 (one record)
  uint32_t pid = 4242;
  uint32_t processes = 1;        // > 1: a process tree (see above)
  uint64_t start_ns = 0;         // when the process starts; 0 = the trace's start
  int32_t exit_code = 0;         // of the final EXIT
};

class Synth {
 public:
  // Throws Error(Usage) when the base leaves no room for the layout.
  explicit Synth(const SynthOptions& options);
  ~Synth();
  Synth(const Synth&) = delete;
  Synth& operator=(const Synth&) = delete;

  TraceHeader header() const;
  // Generate about `max` more events into `out` (replaced; payload views
  // valid until the next call).  False once the trace is complete and `out`
  // is empty.
  bool next(std::vector<Event>& out, size_t max);
  uint64_t generated() const;  // events written so far (dropped ones excluded)

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Generate a whole trace into `path` (a process tree when
// options.processes > 1).
WriterStats writeTrace(const SynthOptions& options, const std::string& path,
                       const WriterOptions& writer_options = {});

// The process tree of options.processes processes into @w (tree.cpp).
void writeTree(const SynthOptions& options, TraceWriter& w);

}  // namespace kmr::synth
