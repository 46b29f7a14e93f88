#include "synth/synth.h"

#include <cstdio>
#include <random>

#include "base/version.h"
#include "synth/patterns.h"
#include "synth/process.h"

namespace kmr::synth {
namespace {
constexpr uint64_t kStartNs = 1'000'000'000'000;           // 1000 s of uptime
constexpr uint64_t kStartRealNs = 1'700'000'000'000'000'000;  // Nov 2023
std::string hexText(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

}  // namespace

std::optional<Pattern> patternFromName(std::string_view name) {
  if (name == "seq") return Pattern::Seq;
  if (name == "random") return Pattern::Random;
  if (name == "fork") return Pattern::Fork;
  if (name == "churn") return Pattern::Churn;
  return std::nullopt;
}

std::string_view patternName(Pattern p) {
  switch (p) {
    case Pattern::Seq:
      return "seq";
    case Pattern::Random:
      return "random";
    case Pattern::Fork:
      return "fork";
    case Pattern::Churn:
      return "churn";
  }
  return "?";
}

struct Synth::Impl {
  explicit Impl(const SynthOptions& o)
      : options(o), rng(o.seed), process(options, emitter, rng, o.start_ns ? o.start_ns : kStartNs + 50000),
        pattern(makePattern(o.pattern, o.events)) {}

  void step() {
    uint64_t written = emitter.written();
    if (!started) {
      process.buildImage("/usr/bin/kmemsynth-target");
      process.snapshot(KMR_SNAP_START);
      pattern->setup(process);
      started = true;
      return;
    }
    if (written + (options.exit ? 3 : 0) >= options.events && !emitter.dropping()) {
      if (options.exit) process.exit(options.exit_code);
      done = true;
      return;
    }
    if (options.exec && !exec_done && written >= options.events / 3) {
      process.exec("/usr/bin/kmemsynth-next");
      pattern->setup(process);
      exec_done = true;
      return;
    }
    if (options.lost && !lost_started && written >= options.events / 2) {
      emitter.startDropping(std::max<uint64_t>(50, options.events / 100));
      lost_started = true;
      return;
    }
    if (lost_started && !emitter.dropping() && !resynced) {
      if (lost_end == 0) lost_end = written;
      // The module resyncs once the consumer has caught up.
      if (written >= lost_end + 20) {
        process.snapshot(KMR_SNAP_RESYNC);
        resynced = true;
        return;
      }
    }
    pattern->step(process);
  }

  SynthOptions options;
  std::mt19937_64 rng;
  Emitter emitter;
  Process process;
  std::unique_ptr<PatternRunner> pattern;
  bool started = false, done = false, exec_done = false, lost_started = false, resynced = false;
  uint64_t lost_end = 0;
};

Synth::Synth(const SynthOptions& options) : impl_(std::make_unique<Impl>(options)) {}
Synth::~Synth() = default;

TraceHeader Synth::header() const {
  const SynthOptions& o = impl_->options;
  TraceHeader h;
  h.abi_version = KMR_ABI_VERSION;
  h.kernel_release = "synthetic";
  h.host = "kmemsynth";
  h.pid = o.pid;
  h.comm = "kmemsynth-targe";  // TASK_COMM_LEN cuts at 15
  h.cmdline = {"/usr/bin/kmemsynth-target", std::string(patternName(o.pattern))};
  h.page_size = 4096;
  h.start_mono_ns = kStartNs;
  h.start_real_ns = kStartRealNs;
  h.recorder = std::string("kmemsynth ") + kVersion;
  h.recorder_options = "--events " + std::to_string(o.events) + " --pattern " +
                       std::string(patternName(o.pattern)) + " --seed " +
                       std::to_string(o.seed) + (o.lost ? " --lost" : "") +
                       (o.exec ? " --exec" : "") + (o.exit ? "" : " --no-exit") +
                       (o.page_data == PageData::Hash    ? " --page-data hash"
                        : o.page_data == PageData::Bytes ? " --page-data bytes"
                                                         : "") +
                       (o.base == kDefaultBase ? "" : " --base 0x" + hexText(o.base)) +
                       (o.lossless ? " --lossless" : "") +
                       (o.fold_faults ? " --fold-faults" : "") +
                       (o.processes > 1 ? " --processes " + std::to_string(o.processes) : "");
  h.event_mask = KMR_MASK_ALL;
  return h;
}

bool Synth::next(std::vector<Event>& out, size_t max) {
  out.clear();
  impl_->emitter.begin(&out);
  while (out.size() < max && !impl_->done) impl_->step();
  return !out.empty();
}

uint64_t Synth::generated() const { return impl_->emitter.written(); }

WriterStats writeTrace(const SynthOptions& options, const std::string& path,
                       const WriterOptions& writer_options) {
  Synth s(options);
  TraceWriter w(path, s.header(), writer_options);
  std::vector<Event> batch;
  if (options.processes > 1) writeTree(options, w);
  else
    while (s.next(batch, 65536)) {
      size_t next = 0;
      w.appendAll(batch, &next);  // (pairs a PTE and its folded FAULT)
    }
  // Fixed figures: a held target is a property of the run, not of events.
  if (options.lossless) w.setLossless({812'300'000, 57, 0});
  w.finish();
  return w.stats();
}

}  // namespace kmr::synth
