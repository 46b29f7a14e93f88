#include "table.h"

#include <algorithm>
#include <stdexcept>

namespace kmr::fetch {

void Table::add(std::vector<std::string> row) {
  if (row.size() != cols_.size()) throw std::logic_error("Table::add: wrong number of cells");
  rows_.push_back(std::move(row));
}

std::string Table::render() const {
  std::vector<size_t> w(cols_.size());
  for (size_t c = 0; c < cols_.size(); c++) {
    w[c] = cols_[c].title.size();
    for (const auto& r : rows_) w[c] = std::max(w[c], r[c].size());
  }
  std::string out;
  auto line = [&](const std::vector<std::string>& cells) {
    std::string l;
    for (size_t c = 0; c < cells.size(); c++) {
      size_t pad = w[c] - cells[c].size();
      bool last = c + 1 == cells.size();
      if (cols_[c].align == Align::Right) l.append(pad, ' ');
      l += cells[c];
      if (cols_[c].align == Align::Left && !last) l.append(pad, ' ');
      if (!last) l += "  ";
    }
    while (!l.empty() && l.back() == ' ') l.pop_back();
    out += l + '\n';
  };
  std::vector<std::string> head;
  for (const auto& c : cols_) head.push_back(c.title);
  line(head);
  for (const auto& r : rows_) line(r);
  return out;
}

}  // namespace kmr::fetch
