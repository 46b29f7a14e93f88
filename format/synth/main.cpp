// kmemsynth: write a synthetic .kmr trace (see synth.h for the patterns).
//
//   kmemsynth --events 100000 --pattern seq -o seq.kmr
//   kmemsynth --events 5000 --pattern churn --seed 7 --lost --exec -o c.kmr
//   kmemsynth --events 6000 --pattern fork --processes 4 -o tree.kmr
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>

#include <CLI/CLI.hpp>

#include "base/exit_codes.h"
#include "base/numbers.h"
#include "base/version.h"
#include "kmr/error.h"
#include "synth/synth.h"

namespace {

struct Options {
  kmr::synth::SynthOptions synth;
  kmr::WriterOptions writer;
  std::string pattern = "seq";
  std::string base;
  std::string page_data = "none";
  std::string output;
  bool no_exit = false;
  bool no_keyframes = false;
  bool quiet = false;
};

void setup(CLI::App& app, Options& o) {
  app.add_option("--events,-n", o.synth.events, "About how many events to write")
      ->check(CLI::Range(uint64_t{1}, uint64_t{1} << 40));
  app.add_option("--pattern,-p", o.pattern, "seq, random, fork or churn")
      ->check(CLI::IsMember({"seq", "random", "fork", "churn"}));
  app.add_option("--seed", o.synth.seed, "Random seed (same seed, same trace)");
  app.add_option("--base", o.base,
                 "Load address of the program, hex (libraries and stack move too, as with ASLR)");
  app.add_flag("--lost", o.synth.lost, "Drop ~1% of the records mid-trace (LOST + resync)");
  app.add_flag("--exec", o.synth.exec, "Exec a new image a third of the way in");
  app.add_flag("--no-exit", o.no_exit, "Stop without the final release and EXIT");
  app.add_flag("--fold-faults", o.synth.fold_faults,
               "Give a fault's FAULT its PTE's seq and time, one record as the module sends "
               "them since ABI 3 (stored as a row pair, format version 4)");
  app.add_flag("--lossless", o.synth.lossless,
               "Say in the index that the target was held (as kmemrec --lossless)");
  app.add_option("--processes", o.synth.processes,
                 "Processes: > 1 writes a tree of forked processes, one stream each "
                 "(format version 3)")
      ->check(CLI::Range(1u, 1000u));
  app.add_option("--page-data", o.page_data, "Page contents after CoW: none, hash or bytes")
      ->check(CLI::IsMember({"none", "hash", "bytes"}));
  app.add_option("--chunk-events", o.writer.chunk_events, "Events per chunk at most")
      ->check(CLI::Range(1u, 1u << 24));
  app.add_option("--zstd-level", o.writer.zstd_level, "zstd compression level")
      ->check(CLI::Range(-7, 19));
  app.add_flag("--no-keyframes", o.no_keyframes, "Write no keyframes");
  app.add_option("--keyframe-min-events", o.writer.keyframe_min_events,
                 "Events between keyframes at least (small values for test fixtures)");
  app.add_option("--keyframe-ratio", o.writer.keyframe_ratio,
                 "File bytes per keyframe byte (keyframes ~1/ratio of the file)")
      ->check(CLI::Range(1u, 1000000u));
  app.add_flag("--quiet,-q", o.quiet, "Print nothing");
  app.add_option("-o,--output", o.output, "Trace file to write")->required();
}

int run(Options& o) {
  o.synth.pattern = *kmr::synth::patternFromName(o.pattern);
  if (!o.base.empty()) o.synth.base = kmr::parseAddress(o.base);
  o.synth.exit = !o.no_exit;
  o.synth.page_data = o.page_data == "hash"    ? kmr::synth::PageData::Hash
                      : o.page_data == "bytes" ? kmr::synth::PageData::Bytes
                                               : kmr::synth::PageData::None;
  o.writer.keyframes = !o.no_keyframes;
  kmr::WriterStats s = kmr::synth::writeTrace(o.synth, o.output, o.writer);
  if (!o.quiet)
    std::printf("%s: %" PRIu64 " events, %" PRIu64 " chunks, %" PRIu64 " keyframes, %" PRIu64
                " bytes (%.2f bytes/event)\n",
                o.output.c_str(), s.events, s.chunks, s.keyframes, s.file_bytes,
                s.events ? static_cast<double>(s.file_bytes) / static_cast<double>(s.events) : 0.0);
  return kmr::kExitOk;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmemsynth: write a synthetic kmemrec trace\n\n"
               "Exit status: 0 written; 1 error; 2 bad command line."};
  app.set_version_flag("--version", std::string("kmemsynth ") + kmr::kVersion);
  Options o;
  setup(app, o);
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kmemsynth: error: %s (see kmemsynth --help)\n", e.what());
    return kmr::kExitUsage;
  }
  try {
    return run(o);
  } catch (const kmr::UsageError& e) {
    std::fprintf(stderr, "kmemsynth: error: %s\n", e.what());
    return kmr::kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmemsynth: error: %s\n", e.what());
    return kmr::kExitError;
  }
}
