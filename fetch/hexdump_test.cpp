#include "hexdump.h"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using namespace kmr::fetch;

static std::vector<uint8_t> bytes(const std::string& s) { return {s.begin(), s.end()}; }

TEST_CASE("aligned full lines look like xxd") {
  auto b = bytes("Hello from a string literal!\n\x01\xff");
  CHECK(hexdump(0x7ffd3c2e1000, b) ==
        "7ffd3c2e1000: 4865 6c6c 6f20 6672 6f6d 2061 2073 7472  Hello from a str\n"
        "7ffd3c2e1010: 696e 6720 6c69 7465 7261 6c21 0a01 ff    ing literal!...\n");
}

TEST_CASE("an unaligned start leaves the first bytes blank") {
  auto b = bytes("ABC");
  CHECK(hexdump(0x100e, b) ==
        "000000001000:                                    4142                AB\n"
        "000000001010: 43                                       C\n");
}

TEST_CASE("address width grows for la57 addresses, and can be imposed") {
  auto b = bytes("x");
  CHECK(hexdump(0xff7ffd3c2e1000, b) == "ff7ffd3c2e1000: 78                                       x\n");
  CHECK(hexdump(0x10, b, 16) == "0000000000000010: 78                                       x\n");
  CHECK(hexdumpWidth(0xfff) == 12);
  CHECK(hexdumpWidth(0x1000000000000) == 13);
  CHECK(hexdumpWidth(UINT64_MAX) == 16);
  CHECK(hexdump(0, {}) == "");
}

TEST_CASE("a full page has 256 lines") {
  std::vector<uint8_t> page(4096, 0x41);
  std::string d = hexdump(0x400000, page);
  CHECK(std::count(d.begin(), d.end(), '\n') == 256);
}
