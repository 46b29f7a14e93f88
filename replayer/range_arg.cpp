#include <cerrno>
#include <cstdlib>

#include "kmr/error.h"
#include "views.h"

namespace kmr::view {
namespace {

uint64_t parseHex(const std::string& s, const std::string& whole) {
  std::string t = s;
  if (t.rfind("0x", 0) == 0 || t.rfind("0X", 0) == 0) t = t.substr(2);
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(t.c_str(), &end, 16);
  if (t.empty() || *end || errno)
    throw Error(Error::Code::Syntax,
                "bad address '" + whole + "': expected hex ADDR or START-END, e.g. 7f0000001000");
  return v;
}

}  // namespace

std::pair<uint64_t, uint64_t> parseRange(const std::string& s) {
  size_t dash = s.find('-');
  if (dash == std::string::npos) {
    uint64_t a = parseHex(s, s);
    return {a, a + 1};
  }
  uint64_t b = parseHex(s.substr(0, dash), s), e = parseHex(s.substr(dash + 1), s);
  if (b >= e) throw Error(Error::Code::Syntax, "bad range '" + s + "': start must be below end");
  return {b, e};
}

}  // namespace kmr::view
