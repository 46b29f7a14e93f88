#include "address.h"

#include <cstdio>
#include <map>

namespace kmr::fetch {
namespace {

std::string hex(uint64_t v) {
  char b[24];
  snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

// Lowest start of each file path whose basename matches @name.
std::map<std::string, uint64_t> fileBases(const std::string& name,
                                          const std::vector<MapEntry>& maps, bool prefix) {
  std::map<std::string, uint64_t> bases;
  for (const MapEntry& e : maps) {
    if (!e.isFile()) continue;
    std::string path = e.path(), base = baseName(path);
    bool match = prefix ? base.size() > name.size() && base.compare(0, name.size(), name) == 0 &&
                              (base[name.size()] == '.' || base[name.size()] == '-' ||
                               base[name.size()] == '_')
                        : base == name;
    if (!match) continue;
    auto it = bases.find(path);
    if (it == bases.end() || e.start < it->second) bases[path] = e.start;
  }
  return bases;
}

}  // namespace

uint64_t resolveAddress(const AddressSpec& a, const std::vector<MapEntry>& maps, uint32_t pid) {
  if (a.kind == AddressSpec::Kind::Absolute) return a.value;
  std::string where = " in process " + std::to_string(pid) + " (see `kmemfetch maps " +
                      std::to_string(pid) + "`)";
  uint64_t base = 0;
  if (a.kind == AddressSpec::Kind::Special) {
    bool found = false;
    for (const MapEntry& e : maps)
      if (e.name == a.name && (!found || e.start < base)) {
        base = e.start;
        found = true;
      }
    if (!found) throw UsageError("no mapping named " + a.name + where);
  } else {
    auto bases = fileBases(a.name, maps, false);
    if (bases.empty()) bases = fileBases(a.name, maps, true);
    if (bases.empty()) throw UsageError("no mapped file named '" + a.name + "'" + where);
    if (bases.size() > 1) {
      std::string list;
      for (const auto& [path, start] : bases) list += (list.empty() ? "" : ", ") + path;
      throw UsageError("'" + a.name + "' matches several mapped files: " + list +
                       "; give the full basename");
    }
    base = bases.begin()->second;
  }
  if (a.negative ? a.offset > base : a.offset > UINT64_MAX - base)
    throw UsageError("address '" + a.text + "' wraps around (base " + hex(base) + ")");
  return a.negative ? base - a.offset : base + a.offset;
}

}  // namespace kmr::fetch
