// The trace header: who was traced, where, when and how.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kmr {

struct TraceHeader {
  uint32_t format_version = 0;  // filled by the writer; set by the reader
  uint32_t abi_version = 0;     // KMR_ABI_VERSION of the recording module
  std::string kernel_release;
  std::string host;
  uint32_t pid = 0;
  std::string comm;
  std::vector<std::string> cmdline;
  uint32_t page_size = 4096;
  uint64_t range_start = 0;  // traced range [range_start, range_end)
  uint64_t range_end = 0;    // 0, 0 = the whole user address space
  uint64_t start_mono_ns = 0;  // origin of relative times (2.5s, 37%)
  uint64_t start_real_ns = 0;
  std::string recorder_options;
  std::string recorder;  // tool and version: "kmemrec <kVersion>" (base/version.h)
  uint64_t event_mask = 0;
  bool pfns_hidden = false;  // recorded without CAP_SYS_ADMIN: every pfn is 0
  uint32_t ppid = 0;         // the target's parent; 0 = unknown

  bool operator==(const TraceHeader&) const = default;
};

// At most this many streams (processes) in one file (writer and reader).
constexpr uint32_t kMaxStreams = 65536;

// One process of a recording: a stream of the trace (format version 3).
// Stream 0 is the header's target; a version-2 file holds only stream 0.
struct ProcessInfo {
  uint32_t stream = 0;                       // id in the file (set by the writer)
  uint32_t pid = 0;                          // thread group id
  uint32_t ppid = 0;                         // 0 = unknown
  std::optional<uint32_t> parent_stream;     // the parent's stream, if recorded
  std::string comm;
  std::vector<std::string> cmdline;          // empty = unknown
  std::string binary;                        // executable path, "" = unknown
  uint64_t start_ns = 0;                     // CLOCK_MONOTONIC when attached

  bool operator==(const ProcessInfo&) const = default;
};

// Stream 0's ProcessInfo, made from the header.
inline ProcessInfo rootProcess(const TraceHeader& h) {
  ProcessInfo p;
  p.pid = h.pid;
  p.ppid = h.ppid;
  p.comm = h.comm;
  p.cmdline = h.cmdline;
  p.binary = h.cmdline.empty() ? std::string() : h.cmdline.front();
  p.start_ns = h.start_mono_ns;
  return p;
}

}  // namespace kmr
