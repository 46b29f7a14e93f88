// A checkpoint file written by a test target (targets/checkpoint.h has the
// format): the kernel's own view of the target's memory at one instant.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace kmr::oracle {

// One line of /proc/PID/maps.
struct MapsLine {
  uint64_t start = 0, end = 0;
  std::string perms;  // "rw-p"
  uint64_t offset = 0;
  uint32_t dev_major = 0, dev_minor = 0;
  uint64_t inode = 0;
  std::string name;  // path, [heap], [stack], [vdso], ... or empty
};

struct Checkpoint {
  std::string path;
  std::string label;
  uint32_t pid = 0;
  uint32_t seq = 0;
  uint64_t range_start = 0, range_end = 0;  // 0, 0: every VMA
  uint64_t mono_before = 0, mono_after = 0;
  uint64_t faults_during = 0;
  std::vector<MapsLine> maps;
  std::map<uint64_t, uint64_t> pagemap;  // vaddr -> raw pagemap entry (present or swapped)
};

// Parses a checkpoint file; throws std::runtime_error naming the file and
// line on anything malformed or truncated.
Checkpoint readCheckpoint(const std::string& path);
Checkpoint parseCheckpoint(const std::string& text, const std::string& name);

// Parses one maps line; false if malformed.
bool parseMapsLine(const std::string& line, MapsLine* out);

// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
constexpr uint64_t kPmPfnMask = (1ull << 55) - 1;
constexpr uint64_t kPmSoftDirty = 1ull << 55;
constexpr uint64_t kPmExclusive = 1ull << 56;
constexpr uint64_t kPmFile = 1ull << 61;
constexpr uint64_t kPmSwap = 1ull << 62;
constexpr uint64_t kPmPresent = 1ull << 63;

}  // namespace kmr::oracle
