#include "base/numbers.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "base/exit_codes.h"

namespace kmr {
namespace {

// All of s[from..] are digits of @base and there is at least one; the
// value fits 64 bits.
bool toU64(const std::string& s, size_t from, int base, uint64_t* out) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (!(base == 16 ? std::isxdigit(c) : std::isdigit(c))) return false;
  }
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str() + from, &end, base);
  if (errno == ERANGE || *end) return false;
  *out = v;
  return true;
}

bool hasHexPrefix(const std::string& s) { return s.starts_with("0x") || s.starts_with("0X"); }

}  // namespace

uint64_t parseAddress(const std::string& s) {
  if (s.starts_with("0d") || s.starts_with("0D"))
    throw UsageError("ambiguous address '" + s +
                     "': addresses are hex; write 0x" + s +
                     " for a hex address (decimal is not accepted: printf %x converts)");
  uint64_t v = 0;
  if (!toU64(s, hasHexPrefix(s) ? 2 : 0, 16, &v))
    throw UsageError("bad address '" + s + "' (hex, with or without 0x: 7f0000001000)");
  return v;
}

AddressRange parseAddressRange(const std::string& s) {
  AddressRange r;
  size_t dash = s.find('-');
  if (dash == std::string::npos) {
    r.start = parseAddress(s);
    if (r.start == UINT64_MAX) throw UsageError("bad address '" + s + "': no byte after it");
    r.end = r.start + 1;
    r.single = true;
    return r;
  }
  if (dash == 0 || dash + 1 == s.size() || s.find('-', dash + 1) != std::string::npos)
    throw UsageError("bad range '" + s + "' (START-END in hex, e.g. 7f0000000000-7f0000100000)");
  r.start = parseAddress(s.substr(0, dash));
  r.end = parseAddress(s.substr(dash + 1));
  if (r.start >= r.end) throw UsageError("bad range '" + s + "': START must be below END");
  return r;
}

uint64_t parseSize(const std::string& s) {
  std::string num = s;
  uint64_t mult = 1;
  if (!num.empty()) {
    switch (num.back()) {
      case 'k': case 'K': mult = 1ull << 10; break;
      case 'm': case 'M': mult = 1ull << 20; break;
      case 'g': case 'G': mult = 1ull << 30; break;
    }
    if (mult != 1) num.pop_back();
  }
  uint64_t v = 0;
  bool hex = hasHexPrefix(num);
  if (!toU64(num, hex ? 2 : 0, hex ? 16 : 10, &v) || v > UINT64_MAX / mult)
    throw UsageError("bad size '" + s + "' (decimal, 0x hex, or with K/M/G: 4096, 0x1000, 4K)");
  return v * mult;
}

uint32_t parsePid(const std::string& s) {
  uint64_t v = 0;
  if (!toU64(s, 0, 10, &v) || v == 0 || v > (1u << 22))
    throw UsageError("bad pid '" + s + "' (a decimal process id)");
  return static_cast<uint32_t>(v);
}

std::string hex(uint64_t v) {
  char b[20];
  std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(v));
  return b;
}

std::string bytesText(uint64_t b) {
  static const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(b);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    u++;
  }
  char buf[32];
  if (u == 0) std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(b));
  else std::snprintf(buf, sizeof buf, "%.1f %s", v, units[u]);
  return buf;
}

}  // namespace kmr
