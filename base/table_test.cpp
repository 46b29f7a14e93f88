#include "base/table.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace kmr;

TEST_CASE("columns align, numbers right, no trailing blanks") {
  Table t({{"name", Table::Align::Left}, {"pages", Table::Align::Right}, {"x", Table::Align::Left}});
  t.row({"[stack]", "33", "a"});
  t.row({"libc.so.6", "1024", ""});
  CHECK(t.str() ==
        "name       pages  x\n"
        "[stack]       33  a\n"
        "libc.so.6   1024\n");
  CHECK_THROWS_AS(t.row({"one", "two", "three", "four"}), std::logic_error);
}

TEST_CASE("missing cells are empty; raw lines; no header when every title is empty") {
  Table t;
  t.columns({"", ""}, {Table::Align::Left, Table::Align::Right});
  t.row({"a", "1"});
  t.line("-- section --");
  t.row({"bbb"});
  CHECK(t.rows() == 3);
  CHECK(t.str() ==
        "a    1\n"
        "-- section --\n"
        "bbb\n");
}

TEST_CASE("widths ignore colour escapes and count UTF-8 characters once") {
  CHECK(displayWidth("\033[31mred\033[0m") == 3);
  CHECK(displayWidth("\u2581\u2582") == 2);
  Table t({{"v", Table::Align::Left}, {"n", Table::Align::Right}});
  t.row({"\033[1mab\033[0m", "1"});
  t.row({"abcd", "22"});
  CHECK(t.str() ==
        "v      n\n"
        "\033[1mab\033[0m     1\n"
        "abcd  22\n");
}
