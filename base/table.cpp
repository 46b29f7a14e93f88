#include "base/table.h"

#include <algorithm>
#include <sstream>
#include <stdexcept>

namespace kmr {

size_t displayWidth(const std::string& s) {
  size_t w = 0;
  for (size_t i = 0; i < s.size(); i++) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c == 0x1b) {  // ESC [ ... m
      while (i < s.size() && s[i] != 'm') i++;
      continue;
    }
    if ((c & 0xc0) != 0x80) w++;
  }
  return w;
}

Table::Table(std::vector<Column> columns) {
  for (Column& c : columns) {
    header_.push_back(std::move(c.title));
    align_.push_back(c.align);
  }
}

void Table::columns(std::vector<std::string> titles, std::vector<Align> align) {
  header_ = std::move(titles);
  align_ = std::move(align);
  align_.resize(header_.size(), Align::Left);
}

void Table::row(std::vector<std::string> cells) {
  if (cells.size() > header_.size())
    throw std::logic_error("Table::row: more cells than columns");
  rows_.push_back({std::move(cells), false});
}

void Table::line(std::string text) { rows_.push_back({{std::move(text)}, true}); }

void Table::print(std::ostream& out) const {
  std::vector<size_t> width(header_.size(), 0);
  for (size_t c = 0; c < header_.size(); c++) width[c] = displayWidth(header_[c]);
  for (const Row& r : rows_) {
    if (r.raw) continue;
    for (size_t c = 0; c < r.cells.size() && c < width.size(); c++)
      width[c] = std::max(width[c], displayWidth(r.cells[c]));
  }
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < width.size(); c++) {
      const std::string cell = c < cells.size() ? cells[c] : "";
      size_t pad = width[c] - std::min(width[c], displayWidth(cell));
      bool last = c + 1 == width.size();
      if (align_[c] == Align::Right) line += std::string(pad, ' ') + cell;
      else line += cell + (last ? "" : std::string(pad, ' '));
      if (!last) line += "  ";
    }
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out << line << '\n';
  };
  bool header = std::any_of(header_.begin(), header_.end(), [](const std::string& h) { return !h.empty(); });
  if (header) emit(header_);
  for (const Row& r : rows_) {
    if (r.raw) out << r.cells[0] << '\n';
    else emit(r.cells);
  }
}

std::string Table::str() const {
  std::ostringstream out;
  print(out);
  return out.str();
}

}  // namespace kmr
