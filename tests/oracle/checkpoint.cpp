#include "checkpoint.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace kmr::oracle {
namespace {

[[noreturn]] void bad(const std::string& name, size_t line, const std::string& why) {
  throw std::runtime_error(name + ":" + std::to_string(line) + ": " + why);
}

bool parseU64(const std::string& s, int base, uint64_t* v) {
  if (s.empty()) return false;
  char* end = nullptr;
  errno = 0;
  *v = std::strtoull(s.c_str(), &end, base);
  return !errno && *end == 0;
}

}  // namespace

bool parseMapsLine(const std::string& line, MapsLine* out) {
  // start-end perms offset major:minor inode [name]
  char perms[8];
  unsigned long long start, end, offset, inode;
  unsigned major, minor;
  int name_at = 0;
  if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %x:%x %llu %n", &start, &end, perms, &offset,
                  &major, &minor, &inode, &name_at) != 7)
    return false;
  out->start = start;
  out->end = end;
  out->perms = perms;
  out->offset = offset;
  out->dev_major = major;
  out->dev_minor = minor;
  out->inode = inode;
  out->name = name_at ? line.substr(size_t(name_at)) : "";
  return out->perms.size() == 4 && start < end;
}

Checkpoint parseCheckpoint(const std::string& text, const std::string& name) {
  Checkpoint c;
  c.path = name;
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  auto next = [&](const char* what) {
    if (!std::getline(in, line)) bad(name, lineno, std::string("truncated before ") + what);
    lineno++;
  };
  auto keyed = [&](const char* key, int base) {
    next(key);
    std::string k = std::string(key) + " ";
    uint64_t v;
    if (line.compare(0, k.size(), k) != 0 || !parseU64(line.substr(k.size()), base, &v))
      bad(name, lineno, std::string("expected '") + key + " <number>', got '" + line + "'");
    return v;
  };
  next("the magic line");
  if (line != "kmr-checkpoint 1") bad(name, lineno, "not a version 1 checkpoint file");
  next("label");
  if (line.compare(0, 6, "label ") != 0) bad(name, lineno, "expected 'label <name>'");
  c.label = line.substr(6);
  c.pid = uint32_t(keyed("pid", 10));
  c.seq = uint32_t(keyed("seq", 10));
  next("range");
  {
    unsigned long long a, b;
    if (std::sscanf(line.c_str(), "range %llx %llx", &a, &b) != 2) bad(name, lineno, "expected 'range <hex> <hex>'");
    c.range_start = a;
    c.range_end = b;
  }
  c.mono_before = keyed("mono_before", 10);
  uint64_t maps_len = keyed("maps", 10);
  // The maps text is verbatim: read exactly maps_len bytes.
  std::string maps(maps_len, '\0');
  if (!in.read(maps.data(), std::streamsize(maps_len))) bad(name, lineno, "maps text truncated");
  {
    std::istringstream ms(maps);
    std::string ml;
    while (std::getline(ms, ml)) {
      lineno++;
      MapsLine m;
      if (!parseMapsLine(ml, &m)) bad(name, lineno, "bad maps line '" + ml + "'");
      c.maps.push_back(m);
    }
  }
  next("pagemap");
  if (line != "pagemap") bad(name, lineno, "expected 'pagemap'");
  for (;;) {
    next("end");
    if (line == "end") break;
    unsigned long long va, e;
    char extra;
    if (std::sscanf(line.c_str(), "%llx %llx %c", &va, &e, &extra) != 2)
      bad(name, lineno, "bad pagemap line '" + line + "'");
    if (!(e & (kPmPresent | kPmSwap))) bad(name, lineno, "pagemap entry neither present nor swapped");
    if (!c.pagemap.emplace(va, e).second) bad(name, lineno, "page listed twice");
  }
  c.mono_after = keyed("mono_after", 10);
  c.faults_during = keyed("faults_during", 10);
  if (c.mono_after < c.mono_before) bad(name, lineno, "mono_after before mono_before");
  return c;
}

Checkpoint readCheckpoint(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << f.rdbuf();
  return parseCheckpoint(ss.str(), path);
}

}  // namespace kmr::oracle
