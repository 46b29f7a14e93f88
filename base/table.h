// A text table whose columns line up: widths are computed from the cells
// (ignoring colour escapes and counting UTF-8 characters once), columns two
// spaces apart, no trailing blanks.  Used by every tool that prints a table
// (kmemreplay's views, kmemfetch walk/maps).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace kmr {

class Table {
 public:
  enum class Align { Left, Right };
  struct Column {
    std::string title;
    Align align = Align::Left;
  };

  Table() = default;
  explicit Table(std::vector<Column> columns);
  // The same as the constructor: titles and alignments (missing = Left).
  // The header line is printed unless every title is empty.
  void columns(std::vector<std::string> titles, std::vector<Align> align);

  // A row: at most one cell per column (more throws std::logic_error);
  // missing cells are empty.
  void row(std::vector<std::string> cells);
  // A line printed as is between rows (a section title).
  void line(std::string text);
  size_t rows() const { return rows_.size(); }

  void print(std::ostream& out) const;
  std::string str() const;

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

}  // namespace kmr
