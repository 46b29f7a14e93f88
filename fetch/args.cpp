#include "args.h"

#include <cctype>

#include "base/numbers.h"

namespace kmr::fetch {
namespace {

bool isHexNumber(const std::string& s) {
  size_t from = s.starts_with("0x") || s.starts_with("0X") ? 2 : 0;
  if (from >= s.size()) return false;
  for (size_t i = from; i < s.size(); i++)
    if (!isxdigit(static_cast<unsigned char>(s[i]))) return false;
  return true;
}

}  // namespace

uint64_t parseLength(const std::string& s) {
  uint64_t v;
  try {
    v = parseSize(s);
  } catch (const UsageError&) {
    throw UsageError("bad length '" + s + "' (decimal, 0x hex, or with K/M/G: 4096, 0x1000, 4K)");
  }
  if (v == 0) throw UsageError("length must not be zero");
  return v;
}

std::vector<uint8_t> parseHexBytes(const std::string& s) {
  std::vector<uint8_t> out;
  size_t i = s.starts_with("0x") || s.starts_with("0X") ? 2 : 0;
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
  // "0d..." is refused by parseAddress as ambiguous, not taken as a name.
  // "0x..." too: "0xzz" is a mistyped number, not a file named "0xzz".
  if (s.starts_with("0d") || s.starts_with("0D") || s.starts_with("0x") || s.starts_with("0X") ||
      isHexNumber(s)) {
    a.value = parseAddress(s);
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
    a.offset = parseAddress(s.substr(name_end + 1));
  }
  return a;
}

}  // namespace kmr::fetch
