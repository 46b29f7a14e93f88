// /proc/PID/maps and /proc/PID/smaps: the kernel's own list of a process's
// mappings, parsed.  Used to resolve names ([stack], lib+0x10) and by
// `kmemfetch maps`.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace kmr::fetch {

struct MapEntry {
  uint64_t start = 0, end = 0;
  std::string perms;  // "r-xp"
  uint64_t offset = 0;
  std::string dev;  // "08:01"
  uint64_t inode = 0;
  std::string name;  // path, "[stack]", ... or empty for anonymous
  // smaps only (0 from maps):
  uint64_t rss_kb = 0, swap_kb = 0, anon_kb = 0;
  // Path without a trailing " (deleted)".
  std::string path() const;
  bool isFile() const { return !name.empty() && name[0] == '/'; }
};

// Parses maps (or smaps) text; throws std::runtime_error on a line it does
// not understand (the kernel's format is fixed).
std::vector<MapEntry> parseMaps(std::string_view text);

// Reads /proc/PID/maps or, with @smaps, /proc/PID/smaps.  Throws
// std::runtime_error with a user-facing message (no such process, not
// allowed to read it).
std::vector<MapEntry> readMaps(uint32_t pid, bool smaps = false);

// The basename of a path ("/usr/lib/libc.so.6" -> "libc.so.6").
std::string baseName(const std::string& path);

}  // namespace kmr::fetch
