// Terminal styling: colour only when stdout is a terminal and NO_COLOR is
// unset; Unicode block bars only in a UTF-8 locale.
#pragma once

#include <string>
#include <string_view>

namespace kmr {

struct Style {
  bool color = false;
  bool utf8 = false;

  static Style detect();  // from isatty(1), NO_COLOR, LC_ALL/LC_CTYPE/LANG

  std::string bold(std::string_view s) const { return wrap("1", s); }
  std::string dim(std::string_view s) const { return wrap("2", s); }
  std::string red(std::string_view s) const { return wrap("31", s); }
  std::string green(std::string_view s) const { return wrap("32", s); }
  std::string yellow(std::string_view s) const { return wrap("33", s); }
  std::string blue(std::string_view s) const { return wrap("34", s); }
  std::string magenta(std::string_view s) const { return wrap("35", s); }
  std::string cyan(std::string_view s) const { return wrap("36", s); }

  // A bar of `width` cells for each value scaled to max (sparkline).
  std::string spark(const uint64_t* values, size_t n, uint64_t max) const;

 private:
  std::string wrap(const char* code, std::string_view s) const;
};

}  // namespace kmr
