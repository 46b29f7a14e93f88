// A text table with aligned columns (two spaces apart), for `kmemfetch
// walk` and `kmemfetch maps`.  Right-aligned columns for numbers.
#pragma once

#include <string>
#include <vector>

namespace kmr::fetch {

class Table {
 public:
  enum class Align { Left, Right };
  struct Column {
    std::string title;
    Align align = Align::Left;
  };
  explicit Table(std::vector<Column> columns) : cols_(std::move(columns)) {}

  // A row with exactly one cell per column (throws std::logic_error if not).
  void add(std::vector<std::string> row);
  // The header and every row; the last column is not padded.
  std::string render() const;

 private:
  std::vector<Column> cols_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace kmr::fetch
