// The views of kmemreplay: one options struct and setup/run pair per view,
// each in its own file.  setup adds the view's options to the app; run
// writes the view for an open trace.  A new view = a new file + one line in
// main.cpp.
#pragma once

#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

#include "base/exit_codes.h"
#include "base/numbers.h"
#include "view_context.h"

namespace kmr::replayer {

struct SummaryOptions {};
void runSummary(const SummaryOptions& o, ViewContext& ctx);

// Traces of several processes (process_tree_view.cpp).  The summary of all
// of them: the process tree with each one's figures, and the totals.
void runProcessTree(ViewContext& ctx);
// "pid 5242 worker (parent 4242)": the heading of one process's output.
std::string processLabel(const StreamInfo& s);
// "4242 (make), 5242 (cc1)": every process of the trace.
std::string pidList(const TraceReader& r);
// The stream of the process @pid as recorded; throws UsageError naming
// the trace's pids when there is none.
uint32_t streamOfPid(const TraceReader& r, uint32_t pid);

struct AtOptions {
  std::string at;     // --at T
  std::string range;  // --range START-END (addresses), optional
};
void setupAt(CLI::App& app, AtOptions& o);
void runAt(const AtOptions& o, ViewContext& ctx);

struct DiffOptions {
  std::vector<std::string> times;  // --diff T1 T2
  std::string range;
};
void setupDiff(CLI::App& app, DiffOptions& o);
void runDiff(const DiffOptions& o, ViewContext& ctx);

// --from/--to select the events of --events and the window of --hist.
struct WindowOptions {
  std::string from = "start";
  std::string to = "end";
};
void setupWindow(CLI::App& app, WindowOptions& o);

struct HistOptions {
  bool enabled = false;
  unsigned buckets = 40;
};
void setupHist(CLI::App& app, HistOptions& o);
void runHist(const HistOptions& o, const WindowOptions& w, ViewContext& ctx);

struct EventsOptions {
  bool enabled = false;
  std::vector<std::string> kinds;  // event kinds and VMA op names
  std::string vaddr;               // ADDR or START-END
  uint64_t limit = 0;              // 0 = all
};
void setupEvents(CLI::App& app, EventsOptions& o);
void runEvents(const EventsOptions& o, const WindowOptions& w, ViewContext& ctx);

// --at T --sharing (sharing_view.cpp): per process and VMA, the present
// pages whose frame another recorded process maps at T.  Runs on the whole
// file (every process replayed to T); @only limits what is printed.
void runSharing(const std::string& at, std::optional<uint32_t> only, ViewContext& ctx);

// --at T --page VADDR (page_view.cpp): one page's captured bytes.
struct PageOptions {
  std::string page;  // --page VADDR (hex)
};
void setupPage(CLI::App& app, PageOptions& o);
void runPage(const PageOptions& o, const std::string& at, ViewContext& ctx);

}  // namespace kmr::replayer
