// kmemrec-bench-flight: the flight recorder's memory over a long run.
//
// Feeds a synthetic recording (kmemsynth's generator, random pattern: the
// least compressible) into a FlightWriter with --limit and prints, every
// --every events, what the window holds (kept compressed bytes, in memfds),
// the process's RSS, and their sum, and at the end the cost of writing the
// window out (dump).  The claim it measures: memory stays within the limit
// plus a constant, however long the recording runs (BENCHMARKS.md).
#include <sys/resource.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "kmr/flight_writer.h"
#include "synth/synth.h"

namespace {

uint64_t rssBytes() {
  FILE* f = std::fopen("/proc/self/statm", "re");
  if (!f) return 0;
  unsigned long long size = 0, res = 0;
  if (std::fscanf(f, "%llu %llu", &size, &res) != 2) res = 0;
  std::fclose(f);
  return res * 4096;
}

double mib(uint64_t b) { return double(b) / (1 << 20); }

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmemrec-bench-flight: the flight recorder's memory over a long run"};
  uint64_t events = 20'000'000, every = 2'000'000, limit_mib = 64;
  std::string dir = std::filesystem::temp_directory_path();
  app.add_option("--events", events, "events to record (default 20M)");
  app.add_option("--every", every, "print a row every N events (default 2M)");
  app.add_option("--limit-mib", limit_mib, "--flight-recorder SIZE in MiB (default 64)");
  app.add_option("--dir", dir, "where the dumped window goes");
  CLI11_PARSE(app, argc, argv);

  kmr::synth::SynthOptions so;
  so.events = events;
  so.pattern = kmr::synth::Pattern::Random;
  kmr::synth::Synth synth(so);
  kmr::FlightWriter fw(synth.header(), kmr::FlightOptions{limit_mib << 20, {}});
  std::printf("%12s %10s %10s %10s %10s %8s\n", "events", "kept_MiB", "drop_MiB", "rss_MiB",
              "sum_MiB", "segments");
  uint64_t peak_sum = 0, peak_rss = 0, next = every;
  std::vector<kmr::Event> batch;
  auto t0 = std::chrono::steady_clock::now();
  while (synth.next(batch, 16384)) {
    for (const kmr::Event& e : batch) fw.append(e);
    uint64_t n = fw.stats().events;
    uint64_t rss = rssBytes(), sum = rss + fw.keptBytes();
    peak_rss = std::max(peak_rss, rss);
    peak_sum = std::max(peak_sum, sum);
    if (n >= next) {
      std::printf("%12" PRIu64 " %10.1f %10.1f %10.1f %10.1f %8zu\n", n, mib(fw.keptBytes()),
                  mib(fw.droppedBytes()), mib(rss), mib(sum), fw.segments());
      std::fflush(stdout);
      next += every;
    }
  }
  double rec_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto t1 = std::chrono::steady_clock::now();
  std::string out = (std::filesystem::path(dir) / "kmemrec-bench-flight.kmr").string();
  kmr::FlightDump d = fw.dump(out, {"bench", 0, 0, 0, 0, 0}, 0);
  double dump_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t1).count();
  std::filesystem::remove(out);
  std::printf("limit %" PRIu64 " MiB: peak RSS %.1f MiB, peak RSS+kept %.1f MiB; recorded %" PRIu64
              " events in %.1f s (%.2f M/s)\n",
              limit_mib, mib(peak_rss), mib(peak_sum), fw.stats().events, rec_s,
              fw.stats().events / rec_s / 1e6);
  std::printf("dump: %" PRIu64 " events, %.1f MiB in %.2f s\n", d.stats.events,
              mib(d.stats.file_bytes), dump_s);
  return 0;
}
