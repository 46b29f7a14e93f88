// kmemrec's command line: the options struct and its parser.
#pragma once

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace kmr::rec {

struct Options {
  // What to record: exactly one of these.
  std::optional<uint32_t> pid;       // kmemrec PID
  std::string comm;                  // kmemrec --comm NAME
  std::vector<std::string> command;  // kmemrec -- prog args

  std::string output;              // -o FILE
  uint64_t range_start = 0;        // --range START-END; 0, 0 = everything
  uint64_t range_end = 0;
  uint64_t event_mask = 0;         // KMR_MASK_*; 0 = everything
  std::string events_text = "all";  // as given, for the trace header
  uint64_t duration_ns = 0;        // --duration; 0 = until the target exits
  uint64_t buffer_size = 0;        // --buffer-size per CPU ring; 0 = module default
  bool live = false;               // --live: shadow page table every second
  bool quiet = false;              // --quiet: no status line, no summary
  std::string device = "/dev/kmemrec";
  double comm_timeout_s = 0;       // --comm-timeout; 0 = wait forever

  std::string commandLine;  // the options as given (trace header)
};

// Exit codes of kmemrec.
enum ExitCode : int {
  kExitOk = 0,     // trace complete, nothing lost
  kExitError = 1,  // an error; the message says what (a trace, if any, is finished)
  kExitUsage = 2,  // bad command line
  kExitLost = 3,   // trace complete, but events were lost (see the summary)
};

// Thrown for a bad command line; the message is the user-facing reason.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Parses argv.  Returns nullopt when --help/--version was printed (to
// @out).  Throws UsageError.
std::optional<Options> parseOptions(int argc, const char* const* argv, std::string* out);

// Parsers of the option values (exposed for tests); throw UsageError.
uint64_t parseSize(const std::string& s);            // "8M", "65536", "1G"
uint64_t parseDuration(const std::string& s);        // "10", "1.5s", "500ms", "2m" -> ns
std::pair<uint64_t, uint64_t> parseRange(const std::string& s);  // "0x1000-0x2000"
uint64_t parseEvents(const std::string& s);          // "vma,pte" -> KMR_MASK_*

}  // namespace kmr::rec
