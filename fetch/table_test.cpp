#include "table.h"

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace kmr::fetch;

TEST_CASE("columns align, numbers right, no trailing blanks") {
  Table t({{"name", Table::Align::Left}, {"pages", Table::Align::Right}, {"x", Table::Align::Left}});
  t.add({"[stack]", "33", "a"});
  t.add({"libc.so.6", "1024", ""});
  CHECK(t.render() ==
        "name       pages  x\n"
        "[stack]       33  a\n"
        "libc.so.6   1024\n");
  CHECK_THROWS_AS(t.add({"only one"}), std::logic_error);
}
