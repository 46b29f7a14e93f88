#include "tree_trace.h"

namespace kmr::recorder {

// One process's writer thread's view of the shared writer.
class StreamSink : public TraceSink {
 public:
  StreamSink(FileTreeTrace& t, uint32_t stream) : t_(t), stream_(stream) {}

  using TraceSink::append;
  void append(const Event& ev) override {
    std::lock_guard<std::mutex> l(t_.mu_);
    t_.w_.append(stream_, ev);
    stats_ = t_.w_.stats();
  }
  // One lock per run of events.
  void appendAll(std::span<const Event> evs, size_t* next) override {
    std::lock_guard<std::mutex> l(t_.mu_);
    try {
      t_.w_.appendAll(stream_, evs, next);
    } catch (...) {
      stats_ = t_.w_.stats();
      throw;
    }
    stats_ = t_.w_.stats();
  }
  // This process's partial chunk only: every process's writer thread
  // flushes about once a second, and flushing every stream each time would
  // cut each stream's chunks N times a second.
  void flush() override {
    std::lock_guard<std::mutex> l(t_.mu_);
    t_.w_.flush(stream_);
    stats_ = t_.w_.stats();
  }
  // The stream ends with its process; the file ends with the tree
  // (record_tree.cpp finishes the writer).
  void finish(uint64_t, const std::optional<LosslessTotals>&) override { flush(); }
  // The whole file's figures (the writer thread's counters).
  const WriterStats& stats() const override { return stats_; }
  const ShadowState& state() const override {
    std::lock_guard<std::mutex> l(t_.mu_);
    return t_.w_.state(stream_);
  }

 private:
  FileTreeTrace& t_;
  const uint32_t stream_;
  WriterStats stats_{};
};

uint32_t FileTreeTrace::addProcess(const ProcessEntry& p) {
  std::lock_guard<std::mutex> l(mu_);
  if (!root_added_) {
    root_added_ = true;
    return 0;
  }
  ProcessInfo info;
  info.pid = p.pid;
  info.ppid = p.ppid;
  if (p.parent_stream != UINT32_MAX) info.parent_stream = p.parent_stream;
  info.comm = p.comm;
  info.cmdline = p.cmdline;
  info.binary = p.binary;
  info.start_ns = p.start_mono_ns;
  return w_.addStream(info);
}

std::unique_ptr<TraceSink> FileTreeTrace::sink(uint32_t stream) {
  return std::make_unique<StreamSink>(*this, stream);
}

uint64_t FileTreeTrace::fileBytes() const {
  std::lock_guard<std::mutex> l(mu_);
  return w_.stats().file_bytes;
}

}  // namespace kmr::recorder
