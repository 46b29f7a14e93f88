// A text table whose columns line up: widths are computed from the cells
// (ignoring colour escapes and counting UTF-8 characters once).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kmr::view {

class Table {
 public:
  enum class Align { Left, Right };

  // Header cells; a column is right-aligned when its header says so.
  void columns(std::vector<std::string> names, std::vector<Align> align);
  void row(std::vector<std::string> cells);
  // A line printed as is between rows (a section title).
  void line(std::string text);
  size_t rows() const { return rows_.size(); }
  void print(std::ostream& out) const;

 private:
  struct Row {
    std::vector<std::string> cells;
    bool raw = false;
  };
  std::vector<std::string> header_;
  std::vector<Align> align_;
  std::vector<Row> rows_;
};

// Printed width of s (skips ANSI escapes, counts UTF-8 code points).
size_t displayWidth(const std::string& s);

}  // namespace kmr::view
