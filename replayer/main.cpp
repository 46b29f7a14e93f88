// kmemreplay: replay a kmemrec trace.
//
//   kmemreplay trace.kmr                  summary
//   kmemreplay trace.kmr --at 2.5s        the shadow page table at t = 2.5 s
//   kmemreplay trace.kmr --diff 1s 2s     what changed in between
//   kmemreplay trace.kmr --hist           per-VMA fault histograms
//   kmemreplay trace.kmr --events --kind fault,cow --from 1s --to 2s
//   ... --json                            the same for scripts
//   kmemreplay tree.kmr --pid 5242 --at 1s  one process of a trace of several
//
// A trace of several processes (kmemrec -f): --pid selects one for every
// view; without it the summary is the process tree, and --at, --diff,
// --hist, --events and --page print every process under a heading (--json:
// a list of {pid, ..., view}); --perfetto writes one file with a track group
// per process; --svg needs --pid.
//
// Exit status (base/exit_codes.h, the same table for every tool): 0 ok,
// 1 error, 2 bad command line, 4 output written but the trace is damaged.
// Each view lives in its own file (views.h); subcommands such as
// `kmemreplay compare` are added here with app.add_subcommand.
#include <unistd.h>

#include <iostream>
#include <optional>
#include <set>
#include <sstream>

#include <nlohmann/json.hpp>

#include "base/exit_codes.h"
#include "base/version.h"
#include "kmr/error.h"
#include "views.h"
#include "compare_views.h"

namespace {

struct MainOptions {
  std::string trace;
  bool json = false;
  std::optional<uint32_t> pid;
  bool sharing = false;
};

void warn(const std::string& what) { std::cerr << "kmemreplay: warning: " << what << '\n'; }

// Report what the reader and the view met.  Returns true when the trace
// is damaged (exit 4).
bool reportDamage(const kmr::TraceReader& r, const std::vector<kmr::Damage>& met,
                  const std::vector<kmr::Damage>& seen) {
  std::set<std::string> said;
  bool damaged = false;
  for (const std::vector<kmr::Damage>* list : {&r.damage(), &met, &seen})
    for (const kmr::Damage& d : *list)
      if (said.insert(d.what).second) {
        warn(d.what);
        damaged = true;
      }
  uint64_t events = 0, chunks = 0;
  for (const kmr::StreamInfo& s : r.streams()) {
    events += s.events;
    chunks += s.chunks;
  }
  if (r.truncated() && chunks == 0)
    warn("the trace is cut short before its first chunk (its writer did not finish): the "
         "recorder stopped before writing any event");
  else if (r.truncated())
    warn("the trace is cut short (its writer did not finish): read " + std::to_string(events) +
         " events in " + std::to_string(chunks) + " whole chunks" +
         (r.streams().size() > 1 ? " of " + std::to_string(r.streams().size()) + " processes"
                                 : std::string()) +
         "; anything after them is lost");
  return damaged;
}

int fail(const std::exception& e, int status) {
  std::cout.flush();
  std::cerr << "kmemreplay: error: " << e.what() << '\n';
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmemreplay: replay a kmemrec trace (default view: a summary)\n\n"
               "Addresses are hex (0x optional), as /proc/PID/maps prints them.  Exit status:\n"
               "0 done; 1 error; 2 bad command line; 4 printed, but part of the trace is\n"
               "damaged (a trace cut short by a killed recorder: a warning, 0)."};
  MainOptions m;
  kmr::replayer::AtOptions at;
  kmr::replayer::DiffOptions diff;
  kmr::replayer::HistOptions hist;
  kmr::replayer::EventsOptions events;
  kmr::replayer::WindowOptions window;
  kmr::replayer::CompareOptions compare;
  kmr::replayer::ExportOptions exports;
  kmr::replayer::PageOptions page;
  app.set_version_flag("--version", std::string("kmemreplay ") + kmr::kVersion);
  app.add_option("trace", m.trace, "Trace file (.kmr)");
  app.add_flag("--json", m.json, "Print JSON instead of text (every view)");
  app.add_option("--pid", m.pid,
                 "In a trace of several processes (kmemrec -f): show the process PID (as "
                 "recorded) in every view");
  kmr::replayer::setupAt(app, at);
  app.add_flag("--sharing", m.sharing,
               "With --at T: per process and VMA, the present pages whose frame another "
               "recorded process maps at T (and which), and those that are its own");
  kmr::replayer::setupDiff(app, diff);
  kmr::replayer::setupHist(app, hist);
  kmr::replayer::setupEvents(app, events);
  kmr::replayer::setupWindow(app, window);
  CLI::App* cmp = kmr::replayer::setupCompare(app, compare);
  kmr::replayer::setupExports(app, exports);
  kmr::replayer::setupPage(app, page);

  try {
    try {
      app.parse(argc, argv);
    } catch (const CLI::Success& e) {  // --help, --version
      return app.exit(e);
    } catch (const CLI::ParseError& e) {
      throw kmr::UsageError(std::string(e.what()) + " (run with --help for usage)");
    }
    if (cmp->parsed()) return kmr::replayer::runCompare(compare, kmr::Style::detect(), std::cout);
    if (m.trace.empty()) throw kmr::UsageError("no trace file given (run with --help for usage)");
    int views = !at.at.empty() + !diff.times.empty() + hist.enabled + events.enabled + exports.any();
    if (views > 1)
      throw kmr::UsageError("choose one view: --at, --diff, --hist or --events");

    kmr::TraceReader file(m.trace);
    if (!page.page.empty() && at.at.empty())
      throw kmr::UsageError("--page needs --at T (the instant to show)");
    // The processes to show: the one --pid names, the only one, or all.
    std::vector<uint32_t> streams;
    if (m.pid) streams.push_back(kmr::replayer::streamOfPid(file, *m.pid));
    else
      for (const kmr::StreamInfo& s : file.streams()) streams.push_back(s.process.stream);
    bool several = streams.size() > 1;
    if (several && !exports.svg.empty())
      throw kmr::UsageError("--svg shows one process: add --pid PID (" +
                            kmr::replayer::pidList(file) + ")");
    auto style = kmr::Style::detect();
    if (m.json) style.color = false;
    std::vector<kmr::Damage> met, seen;
    if (m.sharing) {
      if (at.at.empty()) throw kmr::UsageError("--sharing needs --at T (the instant to show)");
      if (!at.range.empty() || !page.page.empty())
        throw kmr::UsageError("--sharing shows whole VMAs: it takes no --range or --page");
      // Every process replayed to T, whichever --pid shows.
      kmr::Replay replay(file);
      kmr::replayer::ViewContext ctx{file, replay, std::cout, style, m.json, {}};
      kmr::replayer::runSharing(at.at, m.pid, ctx);
      std::cout.flush();
      return reportDamage(file, ctx.damage, replay.damageSeen()) ? kmr::kExitDamaged
                                                                  : kmr::kExitOk;
    }
    auto runView = [&](const kmr::TraceReader& reader, std::ostream& out) {
      kmr::Replay replay(reader);
      kmr::replayer::ViewContext ctx{reader, replay, out, style, m.json, {}};
      if (!page.page.empty()) kmr::replayer::runPage(page, at.at, ctx);
      else if (!at.at.empty()) kmr::replayer::runAt(at, ctx);
      else if (!diff.times.empty()) kmr::replayer::runDiff(diff, ctx);
      else if (hist.enabled) kmr::replayer::runHist(hist, window, ctx);
      else if (exports.any() && several)
        kmr::replayer::runPerfettoProcesses(exports, window, file, ctx);
      else if (exports.any()) kmr::replayer::runExports(exports, window, ctx);
      else if (events.enabled) kmr::replayer::runEvents(events, window, ctx);
      else if (several) kmr::replayer::runProcessTree(ctx);
      else kmr::replayer::runSummary({}, ctx);
      met.insert(met.end(), ctx.damage.begin(), ctx.damage.end());
      seen.insert(seen.end(), replay.damageSeen().begin(), replay.damageSeen().end());
    };
    if (!several) {
      runView(*file.openStream(streams.front()), std::cout);
    } else if (views == 0 || exports.any()) {
      runView(file, std::cout);  // the process tree, or one --perfetto file of all
    } else {
      // Every process under its heading; --json: one list, each entry the
      // process and the view's own JSON.
      const char* view = !page.page.empty() ? "page"
                         : !at.at.empty()   ? "at"
                         : !diff.times.empty() ? "diff"
                         : hist.enabled     ? "hist"
                                            : "events";
      nlohmann::json list = nlohmann::json::array();
      bool first = true;
      for (uint32_t id : streams) {
        auto reader = file.openStream(id);
        const kmr::StreamInfo& s = reader->streamInfo();
        if (m.json) {
          std::ostringstream text;
          runView(*reader, text);
          nlohmann::json j{{"pid", s.process.pid},
                           {"ppid", s.process.ppid},
                           {"comm", s.process.comm},
                           {"stream", s.process.stream}};
          j[view] = nlohmann::json::parse(text.str());
          list.push_back(std::move(j));
          continue;
        }
        std::cout << (first ? "" : "\n") << style.bold("=== " + kmr::replayer::processLabel(s) + " ===")
                  << '\n';
        first = false;
        runView(*reader, std::cout);
      }
      if (m.json) std::cout << list.dump(2) << '\n';
    }
    std::cout.flush();
    return reportDamage(file, met, seen) ? kmr::kExitDamaged : kmr::kExitOk;
  } catch (const kmr::UsageError& e) {
    return fail(e, kmr::kExitUsage);
  } catch (const kmr::Error& e) {
    // A malformed time or kind from the format library is a bad argument,
    // as is a request the trace cannot answer as asked (compare of a
    // multi-process trace without :PID).
    return fail(e, e.code() == kmr::Error::Code::Syntax || e.code() == kmr::Error::Code::Usage
                       ? kmr::kExitUsage
                       : kmr::kExitError);
  } catch (const std::exception& e) {
    return fail(e, kmr::kExitError);
  }
}
