#include "base/style.h"

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <cstring>
#include <string>

namespace kmr {
namespace {

bool localeIsUtf8() {
  for (const char* var : {"LC_ALL", "LC_CTYPE", "LANG"}) {
    const char* v = std::getenv(var);
    if (v && *v) {
      std::string s(v);
      for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      return s.find("utf-8") != std::string::npos || s.find("utf8") != std::string::npos;
    }
  }
  return false;
}

}  // namespace

Style Style::detect() {
  Style s;
  const char* no_color = std::getenv("NO_COLOR");
  s.color = isatty(STDOUT_FILENO) && !(no_color && *no_color);
  s.utf8 = localeIsUtf8();
  return s;
}

std::string Style::wrap(const char* code, std::string_view s) const {
  if (!color) return std::string(s);
  return std::string("\033[") + code + "m" + std::string(s) + "\033[0m";
}

std::string Style::spark(const uint64_t* v, size_t n, uint64_t max) const {
  static const char* blocks[] = {" ", "\u2581", "\u2582", "\u2583", "\u2584",
                                 "\u2585", "\u2586", "\u2587", "\u2588"};
  static const char ascii[] = " .:-=+*#%@";
  std::string s;
  for (size_t i = 0; i < n; i++) {
    if (utf8) {
      size_t level = max ? (v[i] * 8 + max - 1) / max : 0;
      s += blocks[level > 8 ? 8 : level];
    } else {
      size_t level = max ? (v[i] * 9 + max - 1) / max : 0;
      s += ascii[level > 9 ? 9 : level];
    }
  }
  return s;
}

}  // namespace kmr
