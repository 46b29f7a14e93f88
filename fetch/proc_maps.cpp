#include "proc_maps.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kmr::fetch {
namespace {

constexpr std::string_view kDeleted = " (deleted)";

bool parseHex(std::string_view s, uint64_t* out) {
  if (s.empty() || s.size() > 16) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') d = c - '0';
    else if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    else if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    else return false;
    v = v << 4 | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

// Next space-separated field of @line from @pos.
std::string_view field(std::string_view line, size_t* pos) {
  while (*pos < line.size() && line[*pos] == ' ') (*pos)++;
  size_t b = *pos;
  while (*pos < line.size() && line[*pos] != ' ') (*pos)++;
  return line.substr(b, *pos - b);
}

// "start-end perms offset dev inode   name" -> true; false if not a header.
bool parseHeader(std::string_view line, MapEntry* e) {
  size_t pos = 0;
  std::string_view range = field(line, &pos);
  size_t dash = range.find('-');
  if (dash == std::string_view::npos || !parseHex(range.substr(0, dash), &e->start) ||
      !parseHex(range.substr(dash + 1), &e->end))
    return false;
  std::string_view perms = field(line, &pos), off = field(line, &pos), dev = field(line, &pos),
                   inode = field(line, &pos);
  if (perms.size() != 4 || !parseHex(off, &e->offset) || dev.find(':') == std::string_view::npos)
    return false;
  e->perms = perms;
  e->dev = dev;
  e->inode = 0;
  for (char c : inode) {
    if (c < '0' || c > '9') return false;
    e->inode = e->inode * 10 + static_cast<uint64_t>(c - '0');
  }
  while (pos < line.size() && line[pos] == ' ') pos++;
  e->name = line.substr(pos);
  return true;
}

// "Rss:                 12 kB"
void parseSmapsField(std::string_view line, MapEntry* e) {
  size_t colon = line.find(':');
  if (colon == std::string_view::npos) return;
  std::string_view key = line.substr(0, colon);
  uint64_t* dst = key == "Rss" ? &e->rss_kb : key == "Swap" ? &e->swap_kb
                  : key == "Anonymous" ? &e->anon_kb : nullptr;
  if (!dst) return;
  size_t pos = colon + 1;
  std::string_view num = field(line, &pos);
  uint64_t v = 0;
  for (char c : num) {
    if (c < '0' || c > '9') return;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *dst = v;
}

}  // namespace

std::string MapEntry::path() const {
  if (name.size() > kDeleted.size() &&
      name.compare(name.size() - kDeleted.size(), kDeleted.size(), kDeleted) == 0)
    return name.substr(0, name.size() - kDeleted.size());
  return name;
}

std::string baseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

std::vector<MapEntry> parseMaps(std::string_view text) {
  std::vector<MapEntry> out;
  size_t lineno = 0;
  while (!text.empty()) {
    size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    lineno++;
    if (line.empty()) continue;
    MapEntry e;
    if (parseHeader(line, &e)) {
      out.push_back(std::move(e));
    } else if (!out.empty() && line.find(':') != std::string_view::npos) {
      parseSmapsField(line, &out.back());
    } else {
      throw std::runtime_error("unexpected line " + std::to_string(lineno) + " in maps: '" +
                               std::string(line.substr(0, 80)) + "'");
    }
  }
  return out;
}

std::vector<MapEntry> readMaps(uint32_t pid, bool smaps) {
  std::string path = "/proc/" + std::to_string(pid) + (smaps ? "/smaps" : "/maps");
  std::ifstream in(path);
  if (!in) {
    int err = errno;
    if (err == ENOENT) throw std::runtime_error("no such process: " + std::to_string(pid));
    if (err == EACCES || err == EPERM)
      throw std::runtime_error("permission denied reading " + path +
                               " (reading another user's mappings needs ptrace rights)");
    throw std::runtime_error("cannot open " + path + ": " + std::strerror(err));
  }
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw std::runtime_error("cannot read " + path);
  return parseMaps(ss.str());
}

}  // namespace kmr::fetch
