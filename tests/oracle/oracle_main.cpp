// kmr-oracle: the host half of the end-to-end proof.
//
//   kmr-oracle state TRACE CKPT...        state at each checkpoint's instants
//   kmr-oracle expect TRACE TARGET_OUT    the target's "expect" lines
//   kmr-oracle faults TRACE FTRACE TGID   user page faults against ftrace
//   kmr-oracle json JSON CKPT             one kmemreplay --at --json output
//   kmr-oracle info TRACE [--finished|--truncated] [--pid P] [--min-events N]
//                         [--exited]      what the file is, checked
//   kmr-oracle procs TRACE                one line per process of a -f trace
//   kmr-oracle sharing JSON CKPT_A CKPT_B kmemreplay --at --sharing --json
//                                         against two processes' checkpoints
//                                         of one instant (B's, A blocked)
//   kmr-oracle events TRACE [FROM TO]     the events (by mono time), as text,
//                                         for debugging a failed check
//
// Prints one line per check (ok / FAIL and the differences); exit status 0
// when every check passed, 1 when one failed, 2 on bad input.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "checkpoint.h"
#include "replay_json.h"
#include "sharing_check.h"
#include "trace_checks.h"

using namespace kmr::oracle;

namespace {

int report(const std::vector<CheckResult>& results) {
  int failed = 0;
  for (const CheckResult& r : results) {
    if (r.diffs.empty()) {
      std::printf("ok    %s\n", r.what.c_str());
      continue;
    }
    failed++;
    std::printf("FAIL  %s\n", r.what.c_str());
    for (const std::string& d : r.diffs) std::printf("        %s\n", d.c_str());
  }
  std::printf("%zu checks, %d failed\n", results.size(), failed);
  return failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmr-oracle: compare a kmemrec trace with the kernel's own view"};
  app.require_subcommand(1);
  std::string trace, target_out, ftrace, json;
  std::vector<std::string> ckpts;
  uint32_t tgid = 0;

  auto* st = app.add_subcommand("state", "state at every checkpoint's mono_before and mono_after");
  st->add_option("trace", trace)->required();
  st->add_option("checkpoints", ckpts)->required();
  auto* ex = app.add_subcommand("expect", "the target's expect lines (CoW, THP counts)");
  ex->add_option("trace", trace)->required();
  ex->add_option("target_out", target_out)->required();
  auto* fa = app.add_subcommand("faults", "user page faults against ftrace");
  fa->add_option("trace", trace)->required();
  fa->add_option("ftrace", ftrace)->required();
  fa->add_option("tgid", tgid)->required();
  auto* js = app.add_subcommand("json", "a kmemreplay --at --json output against a checkpoint");
  js->add_option("json", json)->required();
  js->add_option("checkpoint", ckpts)->required()->expected(1);
  auto* procs = app.add_subcommand("procs", "one line per process (stream) of the trace");
  procs->add_option("trace", trace)->required();
  auto* sh = app.add_subcommand("sharing",
                                "kmemreplay --sharing --json against two checkpoints of one instant");
  sh->add_option("json", json)->required();
  sh->add_option("checkpoints", ckpts)->required()->expected(2);
  auto* evs = app.add_subcommand("events", "print the events between two mono times");
  uint64_t from = 0, to = UINT64_MAX;
  evs->add_option("trace", trace)->required();
  evs->add_option("from", from);
  evs->add_option("to", to);
  auto* inf = app.add_subcommand("info", "the trace's header and shape, checked");
  InfoExpect ie;
  inf->add_option("trace", trace)->required();
  inf->add_flag("--finished", ie.finished, "has its index and seek table");
  inf->add_flag("--truncated", ie.truncated, "cut short (writer killed), chunks readable");
  inf->add_option("--pid", ie.pid, "the header's pid");
  inf->add_option("--min-events", ie.min_events, "at least this many events");
  inf->add_flag("--exited", ie.exited, "ends with the target's EXIT");
  CLI11_PARSE(app, argc, argv);

  try {
    if (*st) {
      std::vector<Checkpoint> cs;
      for (const std::string& p : ckpts) cs.push_back(readCheckpoint(p));
      return report(checkStateInProcess(trace, cs));
    }
    if (*ex) return report(checkExpectations(trace, target_out));
    if (*inf) return report({checkInfo(trace, ie)});
    if (*procs) {
      printProcesses(trace);
      return 0;
    }
    if (*evs) {
      printEvents(trace, from, to);
      return 0;
    }
    if (*fa) return report({checkFaultsAgainstFtrace(trace, ftrace, tgid)});
    if (*sh) {
      Checkpoint a = readCheckpoint(ckpts.at(0)), b = readCheckpoint(ckpts.at(1));
      std::ifstream in(json);
      if (!in) throw std::runtime_error("cannot read " + json);
      std::stringstream ss;
      ss << in.rdbuf();
      return report({{"kmemreplay --sharing " + json + " against " + a.label + " (pid " +
                          std::to_string(a.pid) + ") and " + b.label + " (pid " +
                          std::to_string(b.pid) + ")",
                      compareSharing(ss.str(), a, b)}});
    }
    if (*js) {
      Checkpoint c = readCheckpoint(ckpts.at(0));
      std::ifstream in(json);
      if (!in) throw std::runtime_error("cannot read " + json);
      std::stringstream ss;
      ss << in.rdbuf();
      MemoryView tv = fromTrace(parseReplayJson(ss.str()));
      clipView(&tv, c.range_start, c.range_end);
      return report({{"kmemreplay --json " + json + " against " + c.label,
                      compareViews(fromCheckpoint(c), tv)}});
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmr-oracle: error: %s\n", e.what());
    return 2;
  }
  return 2;
}
