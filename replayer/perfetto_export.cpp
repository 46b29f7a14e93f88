#include "perfetto_export.h"

#include <algorithm>

#include "kmr/time_spec.h"
#include "base/abi_names.h"
#include "base/numbers.h"

namespace kmr::replayer {
namespace {

constexpr uint32_t kRecordingTid = 1;
constexpr uint32_t kFirstLaneTid = 10;
// Typical bytes per event as written (for the up-front choice).
constexpr uint64_t kInstantBytes = 140, kSliceBytes = 340, kCounterBytes = 100;

std::string shortName(const std::string& n) {
  size_t slash = n.rfind('/');
  return slash == std::string::npos || n.empty() || n.front() == '[' ? n : n.substr(slash + 1);
}

std::string laneLabel(const VmaLife& l, const NameTable& names) {
  return shortName(names.str(l.name)) + " " + permString(l.vm_flags);
}

std::string hexAddr(uint64_t a) { return "0x" + hex(a); }

}  // namespace

std::string PerfettoExporter::lifeSliceName(const VmaLife& l, const NameTable& names) {
  std::string s = laneLabel(l, names) + " " + bytesText(l.pages() * 4096);
  if (l.kind == LifeKind::File && l.pgoff) s += " +0x" + hex(l.pgoff * 4096);
  return s;
}

PerfettoExporter::PerfettoExporter(TraceEventWriter& w, const LifeTracker& tracker,
                                   const PerfettoOptions& o)
    : w_(w), tracker_(tracker), o_(o), base_bytes_(w.bytes()) {
  uint64_t span = o_.t1 > o_.t0 ? o_.t1 - o_.t0 : 1;
  uint64_t usable = o_.max_bytes / 100 * 85;
  instant_budget_ = usable * 40 / 100 / kInstantBytes;
  counter_budget_ = usable * 30 / 100 / kCounterBytes;
  agg_lives_ = o_.expect_lives * kSliceBytes > usable * 30 / 100;
  if (o_.expect_faults + o_.expect_cows > instant_budget_) {
    agg_faults_ = true;
    agg_cows_ = o_.expect_cows > instant_budget_ / 2;
  }
  bin_ns_ = std::max<uint64_t>(1000, span / 2000);
  sample_ns_ = std::max<uint64_t>(1000, span / 4000);
  auto why = [&](uint64_t n, const char* what) {
    notes_.push_back(std::to_string(n) + " " + what + " expected: more than fit in " +
                     std::to_string(o_.max_bytes >> 20) + " MiB as single events");
  };
  if (agg_faults_) why(o_.expect_faults, "faults");
  if (agg_cows_) why(o_.expect_cows, "CoW faults and kmemrec writes");
  if (agg_lives_) why(o_.expect_lives, "VMA lives");

  w_.meta("process_name", o_.pid, 0).arg("name", o_.process_name).end();
  w_.meta("process_sort_index", o_.pid, 0).arg("sort_index", int64_t{0}).end();
  w_.meta("thread_name", o_.pid, kRecordingTid).arg("name", "recording (lost records, snapshots)").end();
  w_.meta("thread_sort_index", o_.pid, kRecordingTid).arg("sort_index", int64_t{-1}).end();
  process_resident_.name = "resident pages: whole process";
}

// ---- lanes ----------------------------------------------------------------

PerfettoExporter::Lane& PerfettoExporter::newLane(const std::string& label, uint64_t addr) {
  auto& list = by_label_[label];
  Lane lane;
  lane.tid = kFirstLaneTid + static_cast<uint32_t>(lanes_.size());
  lane.label = label;
  lane.name = list.empty() ? label : label + " #" + std::to_string(list.size() + 1);
  lane.resident.name = "resident pages: " + lane.name;
  list.push_back(static_cast<uint32_t>(lanes_.size()));
  w_.meta("thread_name", o_.pid, lane.tid).arg("name", lane.name).end();
  // Tracks in address order (2 MiB granularity fits the int).
  w_.meta("thread_sort_index", o_.pid, lane.tid).arg("sort_index", static_cast<int64_t>(addr >> 21)).end();
  lanes_.push_back(std::move(lane));
  return lanes_.back();
}

uint32_t PerfettoExporter::laneFor(const VmaLife& l) {
  std::string label = laneLabel(l, tracker_.names());
  auto it = by_label_.find(label);
  if (it != by_label_.end()) {
    for (uint32_t i : it->second)
      if (agg_lives_ || lanes_[i].life == VmaLife::kNone) return i;
  }
  newLane(label, l.start);
  return static_cast<uint32_t>(lanes_.size() - 1);
}

PerfettoExporter::Lane& PerfettoExporter::outsideLane() {
  if (outside_lane_ == UINT32_MAX) {
    newLane("(outside every VMA)", UINT64_MAX >> 1);
    outside_lane_ = static_cast<uint32_t>(lanes_.size() - 1);
  }
  return lanes_[outside_lane_];
}

// ---- counters -------------------------------------------------------------

void PerfettoExporter::emitCounter(Counter& c, uint64_t t, int64_t value) {
  if (!room()) return;
  w_.start('C', c.name, o_.pid, 0, ts(t)).arg("pages", value).end();
  c.last_ts = t;
  c.last_value = value;
  counters_++;
  checkBudget();
}

// Sample-and-hold: a change is written at most once per sample interval;
// the newest value in between is written when the interval has passed.
void PerfettoExporter::sample(Counter& c, int64_t value, bool force) {
  uint64_t t = tracker_.now();
  if (c.pending >= 0 && c.pending_ts + sample_ns_ <= t) {
    emitCounter(c, c.pending_ts, c.pending);
    c.pending = -1;
  }
  if (value == c.last_value && c.pending < 0) return;
  if (force || c.last_value < 0 || t >= c.last_ts + sample_ns_) {
    if (c.pending >= 0 && c.pending_ts < t) emitCounter(c, c.pending_ts, c.pending);
    c.pending = -1;
    if (value != c.last_value) emitCounter(c, t, value);
  } else {
    c.pending = value;
    c.pending_ts = t;
  }
}

void PerfettoExporter::flushBin(Lane& lane, uint64_t next_bin) {
  if (lane.bin != UINT64_MAX && (lane.faults || lane.cows) && room()) {
    auto& e = w_.start('C', "events per " + formatSeconds(static_cast<int64_t>(bin_ns_)) + ": " + lane.name,
                       o_.pid, 0, ts(o_.t0 + lane.bin * bin_ns_));
    if (agg_faults_) e.arg("faults", lane.faults);
    if (agg_cows_) e.arg("cow", lane.cows);
    e.end();
    counters_++;
    lane.counted = true;
  }
  if (lane.counted && lane.bin != UINT64_MAX && next_bin > lane.bin + 1 && room()) {
    auto& e = w_.start('C', "events per " + formatSeconds(static_cast<int64_t>(bin_ns_)) + ": " + lane.name,
                       o_.pid, 0, ts(o_.t0 + (lane.bin + 1) * bin_ns_));
    if (agg_faults_) e.arg("faults", uint64_t{0});
    if (agg_cows_) e.arg("cow", uint64_t{0});
    e.end();
    counters_++;
    lane.counted = false;
  }
  lane.faults = lane.cows = 0;
  lane.bin = next_bin;
}

void PerfettoExporter::globalInstant(const std::string& name, const char* scope) {
  uint64_t t = std::max(tracker_.now(), recording_last_ts_);
  w_.start('i', name, o_.pid, kRecordingTid, ts(t)).field("s", scope).end();
  recording_last_ts_ = t;
}

void PerfettoExporter::checkBudget() {
  if (stopped_) return;
  if (w_.bytes() - base_bytes_ > o_.max_bytes / 100 * 90) {
    stopped_ = true;
    notes_.push_back("output budget reached at " +
                     formatSeconds(static_cast<int64_t>(ts(tracker_.now()))) +
                     ": no more events after it but the closing ones");
    globalInstant("kmemreplay: output budget reached, detail stops here", "g");
    return;
  }
  if (instants_ > instant_budget_ && !(agg_faults_ && agg_cows_)) {
    agg_faults_ = agg_cows_ = true;
    notes_.push_back("more faults than expected: aggregated per bin from " +
                     formatSeconds(static_cast<int64_t>(ts(tracker_.now()))));
    globalInstant("kmemreplay: faults and CoW aggregated per time bin from here", "g");
  }
  if (counters_ > counter_budget_) {
    counter_budget_ *= 2;
    sample_ns_ *= 2;
    notes_.push_back("counters thinned at " + formatSeconds(static_cast<int64_t>(ts(tracker_.now()))) +
                     ": one sample per " + formatSeconds(static_cast<int64_t>(sample_ns_)));
  }
}

// ---- lives ----------------------------------------------------------------

void PerfettoExporter::lifeBegan(const VmaLife& l) {
  uint32_t i = laneFor(l);
  lane_of_life_[l.id] = i;
  Lane& lane = lanes_[i];
  if (agg_lives_) {
    auto& [c, n] = alive_by_label_[lane.label];
    if (c.name.empty()) c.name = "mappings alive: " + lane.label;
    sample(c, ++n, false);
    return;
  }
  lane.life = l.id;
  if (!room()) return;
  lane.open = true;
  w_.start('B', lifeSliceName(l, tracker_.names()), o_.pid, lane.tid, ts(tracker_.now()))
      .arg("start", hexAddr(l.start))
      .arg("end", hexAddr(l.end))
      .arg("pgoff", l.pgoff)
      .arg("origin", lifeOriginName(l.origin))
      .arg("name", tracker_.names().str(l.name))
      .end();
}

void PerfettoExporter::lifeChanged(const VmaLife& l, const VmaOp& op) {
  auto it = lane_of_life_.find(l.id);
  if (it == lane_of_life_.end() || !room() || agg_lives_) return;
  std::string name;
  switch (op.kind) {
    case VmaOpKind::Protect: name = "mprotect " + permString(op.vm_flags); break;
    case VmaOpKind::Move: name = "mremap to " + hexAddr(op.start); break;
    case VmaOpKind::Grow: name = "grow"; break;
    case VmaOpKind::Unmap: name = "partial munmap"; break;
    case VmaOpKind::Map: return;
  }
  w_.start('i', name, o_.pid, lanes_[it->second].tid, ts(tracker_.now()))
      .field("s", "t")
      .arg("start", hexAddr(op.start))
      .arg("end", hexAddr(op.end))
      .end();
}

void PerfettoExporter::lifeEnded(const VmaLife& l) {
  auto it = lane_of_life_.find(l.id);
  if (it == lane_of_life_.end()) return;
  Lane& lane = lanes_[it->second];
  lane_of_life_.erase(it);
  if (agg_lives_) {
    auto& [c, n] = alive_by_label_[lane.label];
    sample(c, --n, false);
    return;
  }
  sample(lane.resident, 0, true);
  lane.life = VmaLife::kNone;
  if (!lane.open) return;
  lane.open = false;
  // The slice is closed even after the budget stopped: B/E stay paired.
  w_.start('E', lifeSliceName(l, tracker_.names()), o_.pid, lane.tid, ts(tracker_.now()))
      .arg("ended", lifeEndName(l.end_how))
      .arg("faults", l.counts.faults)
      .arg("cow", l.counts.cow + l.counts.cow_reuse)
      .arg("peak_resident_pages", l.peak_resident)
      .arg("final_resident_pages", l.final_resident)
      .end();
}

void PerfettoExporter::residentChanged(const VmaLife& l) {
  auto it = lane_of_life_.find(l.id);
  if (it == lane_of_life_.end() || agg_lives_) return;
  sample(lanes_[it->second].resident, static_cast<int64_t>(l.resident), false);
}

// ---- events ---------------------------------------------------------------

void PerfettoExporter::access(const VmaLife* l, const Event& ev) {
  Lane* lane;
  if (l) {
    auto it = lane_of_life_.find(l->id);
    lane = it == lane_of_life_.end() ? &outsideLane() : &lanes_[it->second];
  } else {
    lane = &outsideLane();
  }
  bool fault = ev.kind == EventKind::Fault;
  bool agg = fault ? agg_faults_ : agg_cows_;
  uint64_t t = tracker_.now();
  if (agg) {
    uint64_t bin = (t > o_.t0 ? t - o_.t0 : 0) / bin_ns_;
    if (bin != lane->bin) flushBin(*lane, bin);
    (fault ? lane->faults : lane->cows)++;
    return;
  }
  if (!room()) return;
  std::string name;
  uint64_t addr;
  if (fault) {
    uint32_t f = ev.fault.fault_flags;
    name = f & KMR_FAULT_MAJOR ? "major fault" : "fault";
    name += f & KMR_FAULT_WRITE ? " write" : f & KMR_FAULT_EXEC ? " exec" : " read";
    addr = ev.fault.vaddr;
    w_.start('i', name, o_.pid, lane->tid, ts(t)).field("s", "t").arg("addr", hexAddr(addr))
        .arg("flags", faultFlagsText(f)).end();
  } else if (ev.kind == EventKind::Cow) {
    name = ev.cow.cow_flags & KMR_COW_REUSE ? "cow reuse" : "cow copy";
    w_.start('i', name, o_.pid, lane->tid, ts(t)).field("s", "t").arg("addr", hexAddr(ev.cow.vaddr))
        .arg("old_pfn", ev.cow.old_pfn).arg("new_pfn", ev.cow.new_pfn).end();
  } else {
    w_.start('i', "kmemrec write", o_.pid, lane->tid, ts(t)).field("s", "t")
        .arg("addr", hexAddr(ev.mem_write.vaddr)).arg("len", ev.mem_write.len)
        .arg("writer_pid", uint64_t{ev.mem_write.writer_pid}).end();
  }
  instants_++;
  checkBudget();
}

void PerfettoExporter::pagesChanged(const Event&, int64_t, const ShadowState&) {
  sample(process_resident_, static_cast<int64_t>(tracker_.presentPages()), false);
}

void PerfettoExporter::processEvent(const Event& ev) {
  if (!room()) return;
  switch (ev.kind) {
    case EventKind::Lost: {
      uint64_t s = std::max(ev.lost.first_ns, recording_last_ts_);
      uint64_t e = std::max(ev.lost.last_ns, s);
      w_.start('X', "records lost", o_.pid, kRecordingTid, ts(s))
          .fieldNs("dur", e - s)
          .arg("count", ev.lost.count)
          .arg("kinds", kindsMaskText(ev.lost.kinds))
          .end();
      recording_last_ts_ = s;
      globalInstant("LOST " + std::to_string(ev.lost.count) + " records (" +
                        kindsMaskText(ev.lost.kinds) + ")", "g");
      break;
    }
    case EventKind::Gap:
      globalInstant("damaged chunk " + std::to_string(ev.gap.chunk) + ": " +
                        std::to_string(ev.gap.events) + " events unreadable", "g");
      break;
    case EventKind::Fork:
      globalInstant("fork: child pid " + std::to_string(ev.fork.child_pid), "p");
      break;
    case EventKind::Exec: globalInstant("exec " + std::string(ev.text), "g"); break;
    case EventKind::Exit: globalInstant("exit " + std::to_string(ev.exit.code), "g"); break;
    case EventKind::Signal: globalInstant("fatal " + signalText(ev.signal.signo), "g"); break;
    case EventKind::SnapshotBegin:
      if (ev.flags != KMR_SNAP_START)
        globalInstant(std::string(snapshotCauseName(ev.flags)) + " snapshot", "p");
      break;
    default: break;
  }
}

nlohmann::json PerfettoExporter::finish() {
  uint64_t end = std::max(o_.t1, tracker_.now());
  for (Lane& lane : lanes_) {
    flushBin(lane, UINT64_MAX);
    if (lane.resident.pending >= 0) emitCounter(lane.resident, lane.resident.pending_ts, lane.resident.pending);
    if (lane.life != VmaLife::kNone && lane.open) {
      lane.open = false;
      const VmaLife& l = tracker_.lives()[lane.life];
      w_.start('E', lifeSliceName(l, tracker_.names()), o_.pid, lane.tid, ts(end))
          .arg("ended", "alive at the end of the window")
          .arg("faults", l.counts.faults)
          .arg("peak_resident_pages", l.peak_resident)
          .end();
      lane.life = VmaLife::kNone;
    }
  }
  for (auto& [label, cn] : alive_by_label_)
    if (cn.first.pending >= 0) emitCounter(cn.first, cn.first.pending_ts, cn.first.pending);
  if (process_resident_.pending >= 0)
    emitCounter(process_resident_, process_resident_.pending_ts, process_resident_.pending);
  auto how = [&](bool agg, const char* what) {
    return agg ? std::string(what) + " aggregated: per-track counters of events per " +
                     formatSeconds(static_cast<int64_t>(bin_ns_))
               : std::string(what) + " as instants";
  };
  std::string notes;
  for (const std::string& n : notes_) notes += (notes.empty() ? "" : "; ") + n;
  return {{"source", "kmemreplay --perfetto"},
          {"faults", how(agg_faults_, "faults")},
          {"cow", how(agg_cows_, "CoW faults and kmemrec writes")},
          {"vma_lives", agg_lives_ ? "aggregated: per-label counters of mappings alive"
                                   : "one slice per life, on lanes by label"},
          {"counter_sample", formatSeconds(static_cast<int64_t>(sample_ns_))},
          {"max_bytes", std::to_string(o_.max_bytes)},
          {"decimation", notes.empty() ? "none" : notes}};
}

}  // namespace kmr::replayer
