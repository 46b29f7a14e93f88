// The trace header: who was traced, where, when and how.
#pragma once

#include <cstdint>
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

  bool operator==(const TraceHeader&) const = default;
};

}  // namespace kmr
