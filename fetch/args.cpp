#include "args.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>

namespace kmr::fetch {
namespace {

bool allOf(const std::string& s, size_t from, int (*pred)(int)) {
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); i++)
    if (!pred(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

bool startsWith(const std::string& s, const char* p) { return s.rfind(p, 0) == 0; }

// Digits in @base from @from to the end; nullopt-like false on overflow.
bool toU64(const std::string& s, size_t from, int base, uint64_t* out) {
  if (!allOf(s, from, base == 16 ? isxdigit : isdigit)) return false;
  errno = 0;
  char* end = nullptr;
  unsigned long long v = std::strtoull(s.c_str() + from, &end, base);
  if (errno == ERANGE || *end) return false;
  *out = v;
  return true;
}

bool isHexNumber(const std::string& s) {
  return allOf(s, startsWith(s, "0x") || startsWith(s, "0X") ? 2 : 0, isxdigit);
}

}  // namespace

uint32_t parsePid(const std::string& s) {
  uint64_t v = 0;
  if (!toU64(s, 0, 10, &v) || v == 0 || v > (1u << 22))
    throw UsageError("bad pid '" + s + "' (a decimal process id)");
  return static_cast<uint32_t>(v);
}

uint64_t parseLength(const std::string& s) {
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
  bool hex = startsWith(num, "0x") || startsWith(num, "0X");
  if (!toU64(num, hex ? 2 : 0, hex ? 16 : 10, &v) || v > UINT64_MAX / mult)
    throw UsageError("bad length '" + s + "' (decimal, 0x hex, or with K/M/G: 4096, 0x1000, 4K)");
  if (v == 0) throw UsageError("length must not be zero");
  return v * mult;
}

uint64_t parseAddressNumber(const std::string& s) {
  uint64_t v = 0;
  bool ok;
  if (startsWith(s, "0d") || startsWith(s, "0D"))
    ok = toU64(s, 2, 10, &v);
  else
    ok = toU64(s, startsWith(s, "0x") || startsWith(s, "0X") ? 2 : 0, 16, &v);
  if (!ok)
    throw UsageError("bad number '" + s +
                     "' (hex by default: 7ffc1000 or 0x7ffc1000; decimal with 0d: 0d4096)");
  return v;
}

std::vector<uint8_t> parseHexBytes(const std::string& s) {
  std::vector<uint8_t> out;
  size_t i = startsWith(s, "0x") || startsWith(s, "0X") ? 2 : 0;
  auto bad = [&](const std::string& why) {
    return UsageError("bad hex data '" + s + "': " + why +
                      " (hex digit pairs, e.g. 48656c6c6f or '48 65 6c'; @FILE for a file)");
  };
  while (i < s.size()) {
    char c = s[i];
    if (c == ' ' || c == ':' || c == '-' || c == '\t') {
      i++;
      continue;
    }
    if (i + 1 >= s.size() || !isxdigit(static_cast<unsigned char>(c)) ||
        !isxdigit(static_cast<unsigned char>(s[i + 1])))
      throw bad("odd digit or non-hex character at position " + std::to_string(i));
    out.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
    i += 2;
  }
  if (out.empty()) throw bad("no bytes");
  return out;
}

AddressSpec parseAddressSpec(const std::string& s) {
  AddressSpec a;
  a.text = s;
  if (s.empty()) throw UsageError("empty address");
  bool decimal = startsWith(s, "0d") || startsWith(s, "0D");
  if (decimal || isHexNumber(s)) {
    a.value = parseAddressNumber(s);
    return a;
  }
  size_t name_end;
  if (s[0] == '[') {
    name_end = s.find(']');
    if (name_end == std::string::npos || name_end == 1)
      throw UsageError("bad address '" + s + "': unterminated [name] (e.g. [stack], [heap]+0x10)");
    name_end++;
    a.kind = AddressSpec::Kind::Special;
  } else {
    name_end = s.find('+');
    a.kind = AddressSpec::Kind::File;
  }
  a.name = s.substr(0, name_end);
  if (a.name.empty())
    throw UsageError("bad address '" + s + "': no mapping name before '+'");
  if (a.kind == AddressSpec::Kind::File && a.name.find('/') != std::string::npos)
    throw UsageError("bad address '" + s + "': give the file's basename (e.g. libc.so.6+0x10), not a path");
  if (name_end < s.size()) {
    char sign = s[name_end];
    if (sign != '+' && !(sign == '-' && a.kind == AddressSpec::Kind::Special))
      throw UsageError("bad address '" + s + "': expected '+OFFSET' after " + a.name);
    a.negative = sign == '-';
    a.offset = parseAddressNumber(s.substr(name_end + 1));
  }
  return a;
}

}  // namespace kmr::fetch
