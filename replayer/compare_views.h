// kmemreplay's views for comparing runs and seeing memory over time:
//
//   kmemreplay compare a.kmr b.kmr [--json] [--at-relative 50%]
//   kmemreplay trace.kmr --svg out.svg [--metric faults|first-touch|cow|resident]
//   kmemreplay trace.kmr --perfetto out.json
//
// (--from/--to bound --svg and --perfetto.)  main.cpp wires them with the
// setup/run pairs below; everything else lives in compare_*, svg_*,
// perfetto_*, vma_life and heat_grid.
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <ostream>
#include <string>

#include "base/style.h"
#include "views.h"

namespace kmr::replayer {

struct CompareOptions {
  std::string a, b;         // the two traces
  bool json = false;        // --json
  std::string at_relative;  // --at-relative 50%: resident pages per VMA then
  unsigned top = 10;        // detail tables for the largest changes (0 = none)
  bool all = false;         // list unchanged matches too
};
// Adds the `compare` subcommand to app and returns it.
CLI::App* setupCompare(CLI::App& app, CompareOptions& o);
// Runs it, writing to out (warnings to stderr).  Returns the exit status: 0,
// or 2 when a trace is damaged (the output is written anyway).  Throws
// kmr::Error for bad arguments and unreadable traces.
int runCompare(const CompareOptions& o, const Style& style, std::ostream& out);

struct ExportOptions {
  std::string svg;       // --svg FILE
  std::string perfetto;  // --perfetto FILE
  std::string metric = "faults";     // --metric: what the heatmap shows
  uint64_t perfetto_max_mb = 200;    // --perfetto-max-mb: size bound of the JSON
  bool any() const { return !svg.empty() || !perfetto.empty(); }
};
void setupExports(CLI::App& app, ExportOptions& o);
// Writes the files asked for (both in one replay when both are given) and
// prints one line per file to ctx.out.
void runExports(const ExportOptions& o, const WindowOptions& w, ViewContext& ctx);
// --perfetto of every process of a trace of several (no --pid): one file,
// one track group (pid) per process, the size bound shared equally.  --svg
// is refused (one process per picture).
void runPerfettoProcesses(const ExportOptions& o, const WindowOptions& w, const TraceReader& file,
                          ViewContext& ctx);

}  // namespace kmr::replayer
