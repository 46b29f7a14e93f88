// What the user sees while and after recording: the one-line status (on a
// terminal), the --live view, the final summary and the loss warning.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "kmr/state.h"
#include "kmr/totals.h"

namespace kmr::recorder {

std::string humanCount(uint64_t n);  // 950, 12.3k, 4.56M, 7.89G
std::string humanBytes(uint64_t n);  // 512 B, 12.0 KiB, 3.4 MiB

struct StatusSnapshot {
  double elapsed_s = 0;
  uint64_t events = 0;  // records taken from the rings
  double events_per_s = 0;
  uint64_t lost = 0;
  uint64_t file_bytes = 0;
  uint64_t written_events = 0;  // events in the file so far
};

// "  12.3s  1.23M events  98.1k/s  lost 0  4.50 MiB  3.8 B/event"
std::string formatStatus(const StatusSnapshot& s);

// The shadow page table of [start, end) (0, 0 = everything), printed by
// the same renderer as `kmemreplay --at` (base/state_render.h) from the
// writer's ShadowState, under a line with the elapsed time.
std::string renderLive(const ShadowState& st, uint64_t start, uint64_t end, double elapsed_s);

}  // namespace kmr::recorder

namespace kmr::recorder {

struct Summary {
  std::string output;
  uint32_t pid = 0;
  std::string comm;
  double elapsed_s = 0;
  std::string end_reason;   // "target exited", "interrupted (SIGINT)", ...
  std::string target_fate;  // "exited with status 0", "still running", ""
  uint64_t events = 0;      // records taken from the rings
  uint64_t written = 0;     // events stored in the file
  uint64_t file_bytes = 0;
  uint64_t chunks = 0, keyframes = 0;
  uint64_t lost = 0;         // LOST records' counts (module) + merge gaps
  uint64_t ring_lost = 0;    // the rings' own drop counters
  uint64_t gaps = 0;         // seqs the merge gave up (not seen in time)
  uint64_t late = 0;         // records that came after their seq was given up
  uint64_t rejected = 0;     // records the writer could not store
  std::string first_rejection;
  bool incomplete_drain = false;  // handed-out records never arrived at stop
  double cpu_s = 0;          // recorder user + system time
  double cpu_user_s = 0;
  uint64_t peak_rss = 0;     // bytes
  uint64_t peak_anon = 0;    // bytes (the rings are not anonymous memory)
  uint64_t ring_bytes = 0;   // all rings
  uint64_t module_faults = 0, module_cow = 0;  // KMR_IOC_STATS
  std::optional<LosslessTotals> lossless;      // --lossless: KMR_IOC_STATS
  std::vector<std::string> flight;  // --flight-recorder: its lines (output is "" then)
};

// The end-of-recording summary.  Anything lost or dropped gets a loud
// WARNING block saying what it means and what to do.
std::string formatSummary(const Summary& s);

// "  lossless: target held 812.3 ms in 57 waits; lost while lossless: 0 (0
// from kernel threads)": @lost is every lost record, l.lost_other those no
// thread of the target could be held for.
std::string formatLossless(const LosslessTotals& l, uint64_t lost);

// True if the trace is not a complete record of the session.
bool summaryHasLoss(const Summary& s);

}  // namespace kmr::recorder
