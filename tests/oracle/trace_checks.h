// Checks that read a trace with the format library (tests/oracle's
// kmr-oracle): the state at each checkpoint (rebuilt in-process, and as
// kmemreplay --at --json prints it), the target's expected counts, and the
// fault total against ftrace.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <memory>

#include "checkpoint.h"
#include "kmr/reader.h"
#include "kmr/state.h"
#include "trace_view.h"

namespace kmr::oracle {

// The trace side of a comparison, from a shadow state.
TraceState traceStateOf(const ShadowState& st);

struct CheckResult {
  std::string what;                // "checkpoint anon-written at mono_before"
  std::vector<std::string> diffs;  // empty: passed
};

// The state at the checkpoint's mono_before and mono_after, each compared
// with the checkpoint; a checkpoint that took a fault of its own fails.
// Checkpoints of several processes (kmemrec -f) are each compared with
// the stream of their pid.
std::vector<CheckResult> checkStateInProcess(const std::string& trace,
                                             const std::vector<Checkpoint>& ckpts);
// The same for one process's reader.
std::vector<CheckResult> checkStateOfProcess(const TraceReader& reader,
                                             const std::vector<Checkpoint>& ckpts);
// The reader of process @pid's stream (0: the header's), or null.
std::unique_ptr<TraceReader> openProcess(const std::string& trace, uint32_t pid);

// "region NAME START END" / "expect KEY NAME N" lines of a target's -v
// output; the checks for "expect cow" (CoW copies in the region, reuses
// excluded) and "expect thp" (2 MiB leaves mapped in the region).  An
// "expect-pid cow NAME N PID" line is checked in that process's stream.
std::vector<CheckResult> checkExpectations(const std::string& trace,
                                           const std::string& target_out);

// ftrace's exceptions:page_fault_user events of @tgid ("<tgid> <s.us>" per
// line) inside the trace's time span against the trace's user-mode FAULT
// events.
CheckResult checkFaultsAgainstFtrace(const std::string& trace, const std::string& ftrace_file,
                                     uint32_t tgid);

struct InfoExpect {
  bool finished = false;   // index + seek table present
  bool truncated = false;  // no trailer, but chunks readable
  uint32_t pid = 0;        // header pid (0: any)
  uint64_t min_events = 0;
  bool exited = false;     // an EXIT event
};
// Opens the trace, reads every event, checks @e.
CheckResult checkInfo(const std::string& trace, const InfoExpect& e);

// One line per process of the trace: "stream S pid P ppid Q parent PS comm
// C execs F1,F2 exit CODE events N" ("-" where unknown).
void printProcesses(const std::string& trace);

// Prints the events with from <= time_ns <= to, one line each.
void printEvents(const std::string& trace, uint64_t from, uint64_t to);

}  // namespace kmr::oracle
