// --perfetto: the trace as Chrome trace-event JSON for the Perfetto UI and
// chrome://tracing.
//
//   one process (the target's pid), one track ("thread") per VMA lane:
//     slices (B/E)   one per VMA life: from its map to its unmap/exit
//     instants (i)   faults, CoW, kmemrec writes, mprotect/mremap/grow
//   counters (C)     resident pages per lane, and of the whole process
//   global instants  LOST gaps (with an X slice for the lost time window on
//                    the "recording" track), damaged chunks, exec, exit
//
// A lane is a label ("[anon] rw-p", "libc.so.6 r-xp") and the lives with
// that label take the first free lane in turn, so a program that maps and
// frees the same kind of buffer a million times gets a few tracks, not a
// million.
//
// Size: those viewers fail on files over 256 MB, so the output is kept
// under max_bytes whatever the trace size.  Before the pass the exporter
// is told how many faults, CoWs and maps to expect (the index's totals for
// the window); kinds that would not fit as instants become per-lane
// counters of events per time bin, and lives that would not fit as slices
// become a per-label "mappings alive" counter.  Should the estimate be
// wrong, a running check switches to the same aggregation mid-way (a
// global instant marks where), and a hard stop keeps the last 10 % for the
// closing events.  otherData says what was aggregated and why.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "trace_event_writer.h"
#include "vma_life.h"

namespace kmr::replayer {

struct PerfettoOptions {
  uint64_t max_bytes = 200ull << 20;
  // Expected in the window (for the up-front choice).
  uint64_t expect_faults = 0;
  uint64_t expect_cows = 0;   // CoW + kmemrec writes
  uint64_t expect_lives = 0;  // map operations + VMAs at the start
  uint64_t t0 = 0, t1 = 0;    // window, absolute ns
  uint64_t origin_ns = 0;     // ts 0 (the trace start)
  uint32_t pid = 0;
  std::string process_name;
};

class PerfettoExporter : public LifeListener {
 public:
  PerfettoExporter(TraceEventWriter& w, const LifeTracker& tracker, const PerfettoOptions& o);

  void lifeBegan(const VmaLife& l) override;
  void lifeChanged(const VmaLife& l, const VmaOp& op) override;
  void lifeEnded(const VmaLife& l) override;
  void residentChanged(const VmaLife& l) override;
  void access(const VmaLife* l, const Event& ev) override;
  void pagesChanged(const Event& ev, int64_t delta, const ShadowState& state) override;
  void processEvent(const Event& ev) override;

  // Close open slices and counters at the window's end; returns what goes
  // into otherData.
  nlohmann::json finish();

  bool faultsAggregated() const { return agg_faults_; }
  bool cowsAggregated() const { return agg_cows_; }
  bool livesAggregated() const { return agg_lives_; }

 private:
  struct Counter {  // a sampled counter track
    std::string name;
    uint64_t last_ts = 0;
    int64_t last_value = -1;     // emitted
    int64_t pending = -1;        // newer value not emitted yet
    uint64_t pending_ts = 0;
  };
  struct Lane {
    uint32_t tid = 0;
    std::string label;   // the lane's label
    std::string name;    // label + " #k"
    uint32_t life = VmaLife::kNone;  // the life using it now
    bool open = false;               // its B was written (E must follow)
    Counter resident;
    // Aggregated events per bin.
    uint64_t bin = UINT64_MAX;
    uint64_t faults = 0, cows = 0;
    bool counted = false;  // a nonzero bin was emitted: drop to 0 after
  };

  uint64_t ts(uint64_t t) const { return t > o_.origin_ns ? t - o_.origin_ns : 0; }
  uint32_t laneFor(const VmaLife& l);
  Lane& outsideLane();
  Lane& newLane(const std::string& label, uint64_t addr);
  void sample(Counter& c, int64_t value, bool force);
  void emitCounter(Counter& c, uint64_t t, int64_t value);
  void flushBin(Lane& lane, uint64_t next_bin);
  void checkBudget();
  void globalInstant(const std::string& name, const char* scope);
  bool room() const { return !stopped_; }
  static std::string lifeSliceName(const VmaLife& l, const NameTable& names);

  TraceEventWriter& w_;
  const LifeTracker& tracker_;
  PerfettoOptions o_;
  std::vector<Lane> lanes_;  // by tid - kFirstLaneTid
  std::map<std::string, std::vector<uint32_t>> by_label_;  // label -> lane indices
  std::unordered_map<uint32_t, uint32_t> lane_of_life_;
  uint32_t outside_lane_ = UINT32_MAX;
  std::map<std::string, std::pair<Counter, int64_t>> alive_by_label_;  // lives aggregated
  Counter process_resident_;
  bool agg_faults_ = false, agg_cows_ = false, agg_lives_ = false;
  uint64_t bin_ns_ = 1;
  uint64_t sample_ns_ = 1;
  uint64_t instants_ = 0, instant_budget_ = 0;
  uint64_t counters_ = 0, counter_budget_ = 0;
  bool stopped_ = false;
  uint64_t base_bytes_ = 0;  // the writer's size when this exporter began
                             // (several processes share one writer)
  std::vector<std::string> notes_;
  uint64_t recording_last_ts_ = 0;
};

}  // namespace kmr::replayer
