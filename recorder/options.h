// kmemrec's command line: the options struct and its parser.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/exit_codes.h"

namespace kmr::recorder {

struct Options {
  // What to record: exactly one of these.
  std::optional<uint32_t> pid;       // kmemrec PID
  std::string comm;                  // kmemrec --comm NAME (every process of the name)
  std::vector<std::string> command;  // kmemrec -- prog args

  std::string output;              // -o FILE
  uint64_t range_start = 0;        // --range START-END (pages); 0, 0 = everything
  uint64_t range_end = 0;
  uint64_t event_mask = 0;         // KMR_MASK_*; 0 = everything
  std::string events_text = "all";  // as given, for the trace header
  uint64_t duration_ns = 0;        // --duration; 0 = until the target exits
  uint64_t buffer_size = 0;        // --buffer-size per CPU ring; 0 = module default
  bool live = false;               // --live: shadow page table every second
  bool quiet = false;              // --quiet: no status line, no summary
  bool lossless = false;           // --lossless: hold the target instead of losing events
  uint64_t flight_bytes = 0;       // --flight-recorder SIZE; 0 = write everything
  uint64_t trigger_rss = 0;        // --trigger-rss SIZE (bytes of the traced range); 0 = off
  uint32_t trigger_repeat = 0;     // --trigger-repeat N; 0 = the first trigger ends it
  std::string device = "/dev/kmemrec";
  double comm_timeout_s = 0;       // --comm-timeout; 0 = wait forever
  bool follow = false;             // -f/--follow: the target and every process it creates
  uint32_t max_procs = 10000;      // --max-procs: processes -f follows at most (root included)
  bool comm_once = false;          // --comm-once: only the first process named --comm

  // --comm without --comm-once: every process of the name, until stopped.
  bool commAll() const { return !comm.empty() && !comm_once; }
  // Several processes into one trace (record_tree.cpp): -f, or --comm.
  bool tree() const { return follow || commAll(); }

  std::string commandLine;  // the options as given (trace header)
};

// Parses argv.  Returns nullopt when --help/--version was printed (to
// @out).  Throws UsageError (base/exit_codes.h).  Exit statuses: 0 trace
// complete, 1 error (a trace, if any, is finished), 2 bad command line,
// 3 trace complete but events were lost.
std::optional<Options> parseOptions(int argc, const char* const* argv, std::string* out);

// Parsers of kmemrec's own option values (exposed for tests); throw
// UsageError.  Sizes, addresses and pids: base/numbers.h.
uint64_t parseDuration(const std::string& s);  // "10", "1.5s", "500ms", "2m" -> ns
// --range: base/numbers.h's START-END (or ADDR), widened to whole pages.
std::pair<uint64_t, uint64_t> parseTracedRange(const std::string& s);
uint64_t parseEvents(const std::string& s);    // "vma,pte" -> KMR_MASK_*

}  // namespace kmr::recorder
