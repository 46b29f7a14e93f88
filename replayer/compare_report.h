// The comparison of two profiles as data: matched lives with their deltas
// (sorted by the largest change), the lives found on one side only, and the
// process totals side by side.  compare_text.cpp and compare_json.cpp print
// it; the tests read it directly.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compare_match.h"
#include "compare_profile.h"

namespace kmr::replayer {

// The numbers compared per life, in display order.
struct LifeMetrics {
  int64_t faults, minor, major, write, read, exec, cow, cow_reuse, mem_writes, first_touch;
  int64_t pages, peak_resident, final_resident;
  int64_t first_touch_ns, last_touch_ns;  // relative to the trace start; -1 = never
};
LifeMetrics lifeMetrics(const VmaLife& l, uint64_t trace_start_ns);

struct MetricInfo {
  const char* key;    // JSON key
  const char* label;  // text row
  int64_t LifeMetrics::*field;
  bool is_time;  // ns relative to the trace start, -1 = never
  bool sorts;    // adds to MatchRow::change
};
// Every metric of LifeMetrics, in order.
const std::vector<MetricInfo>& lifeMetricInfo();

struct MatchRow {
  LifeMatch match;
  std::string cls;    // identity class (compare_match.h)
  std::string label;  // "libc.so.6 r-xp +0x28000", "[anon] rw-p #3 8.0 MiB"
  LifeMetrics a, b;
  uint64_t change = 0;  // sum of |delta| over counts and pages: the sort key
  bool changed = false;  // any count, page or touch-time delta
};

struct InstantRow {
  LifeMatch match;  // a or b may be kNone (alive on one side only then)
  std::string label;
  int64_t a = -1, b = -1;  // resident pages, -1 = not mapped then
};

struct CompareReport {
  const TraceProfile* a = nullptr;
  const TraceProfile* b = nullptr;
  std::vector<MatchRow> rows;  // largest change first
  std::vector<uint32_t> only_a, only_b;
  size_t exact = 0, strong = 0, weak = 0, changed = 0;
  std::vector<InstantRow> instant;  // --at-relative, largest |delta| first
};

CompareReport buildReport(const TraceProfile& a, const TraceProfile& b);

// Label of one life as the report shows it.
std::string lifeLabel(const VmaLife& l, const NameTable& names);

}  // namespace kmr::replayer
