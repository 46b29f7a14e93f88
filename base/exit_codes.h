// The exit status of every kmemrec tool (kmemrec, kmemreplay, kmemfetch,
// kmemsynth), and the error that means "bad command line".  README.md
// ("Exit status") shows the same table to users.
//
//   0  ok       the job is done
//   1  error    it could not be done, and the message says why: module not
//               loaded, no such process, permission, I/O, not a trace, a
//               format version this build does not read, an instant outside
//               the trace, ...
//   2  usage    the command line is wrong (unknown option, bad value,
//               options that exclude each other): nothing was done
//   3  lost     kmemrec: the trace is finished and usable, but the module
//               dropped events (the summary says how many and where)
//   4  damaged  kmemreplay: the view was printed, but part of the trace
//               failed its checks (a checksum or structure; stderr names
//               what was skipped).  A trace merely cut short (a killed
//               recorder) reads to its last whole chunk: a warning, exit 0.
#pragma once

#include <stdexcept>

namespace kmr {

enum ExitCode : int {
  kExitOk = 0,
  kExitError = 1,
  kExitUsage = 2,
  kExitLost = 3,
  kExitDamaged = 4,
};

// A bad command line; the message is the user-facing reason.  Each tool's
// main() prints "<tool>: error: <message>" and exits kExitUsage.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace kmr
