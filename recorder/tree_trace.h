// kmemrec -f's TreeTrace over one TraceWriter: a stream per process
// (format version 3), written from every process's writer thread.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>

#include "kmr/writer.h"
#include "process_tree.h"

namespace kmr::recorder {

class FileTreeTrace : public TreeTrace {
 public:
  // The first process added is the header's target: stream 0.
  explicit FileTreeTrace(TraceWriter& w) : w_(w) {}

  uint32_t addProcess(const ProcessEntry& p) override;
  std::unique_ptr<TraceSink> sink(uint32_t stream) override;
  // Bytes in the file so far (the status line).
  uint64_t fileBytes() const;

 private:
  friend class StreamSink;
  TraceWriter& w_;
  // TraceWriter is not thread-safe: every call goes through this.  The
  // writer threads batch their appends, so it is taken per batch's events,
  // never on a drain thread.
  mutable std::mutex mu_;
  bool root_added_ = false;
};

}  // namespace kmr::recorder
