#include "args.h"

#include <catch2/catch.hpp>

using namespace kmr;
using namespace kmr::fetch;

TEST_CASE("lengths: decimal, hex, binary suffixes") {
  CHECK(parseLength("4096") == 4096);
  CHECK(parseLength("0x1000") == 4096);
  CHECK(parseLength("4K") == 4096);
  CHECK(parseLength("4k") == 4096);
  CHECK(parseLength("64M") == 64ull << 20);
  CHECK(parseLength("1G") == 1ull << 30);
  CHECK(parseLength("0x10K") == 16 << 10);
  CHECK_THROWS_AS(parseLength("0"), UsageError);
  CHECK_THROWS_AS(parseLength("abc"), UsageError);
  CHECK_THROWS_AS(parseLength("1T"), UsageError);
  CHECK_THROWS_AS(parseLength("-4"), UsageError);
  CHECK_THROWS_AS(parseLength("K"), UsageError);
  CHECK_THROWS_AS(parseLength("99999999999G"), UsageError);
}

TEST_CASE("hex bytes") {
  CHECK(parseHexBytes("48656c6c6f") == std::vector<uint8_t>{'H', 'e', 'l', 'l', 'o'});
  CHECK(parseHexBytes("0x4865") == std::vector<uint8_t>{0x48, 0x65});
  CHECK(parseHexBytes("48 65:6C-6c") == std::vector<uint8_t>{0x48, 0x65, 0x6c, 0x6c});
  CHECK(parseHexBytes("00ff") == std::vector<uint8_t>{0x00, 0xff});
  CHECK_THROWS_AS(parseHexBytes("486"), UsageError);
  CHECK_THROWS_AS(parseHexBytes("4 8"), UsageError);
  CHECK_THROWS_AS(parseHexBytes("zz"), UsageError);
  CHECK_THROWS_AS(parseHexBytes(""), UsageError);
  CHECK_THROWS_AS(parseHexBytes("  "), UsageError);
}

TEST_CASE("address specs") {
  AddressSpec a = parseAddressSpec("0x7ffc1000");
  CHECK(a.kind == AddressSpec::Kind::Absolute);
  CHECK(a.value == 0x7ffc1000);
  CHECK_THROWS_AS(parseAddressSpec("0d16"), UsageError);  // ambiguous: 0x0d16?
  CHECK_THROWS_WITH(parseAddressSpec("0xzz"), Catch::Matchers::Contains("0xzz"));  // a bad number, not a file name
  CHECK(parseAddressSpec("deadbeef").value == 0xdeadbeef);

  a = parseAddressSpec("[stack]");
  CHECK(a.kind == AddressSpec::Kind::Special);
  CHECK(a.name == "[stack]");
  CHECK(a.offset == 0);
  a = parseAddressSpec("[heap]+0x10");
  CHECK(a.name == "[heap]");
  CHECK(a.offset == 0x10);
  CHECK_FALSE(a.negative);
  a = parseAddressSpec("[stack]-10");
  CHECK(a.negative);
  CHECK(a.offset == 0x10);

  a = parseAddressSpec("libc.so.6+1000");
  CHECK(a.kind == AddressSpec::Kind::File);
  CHECK(a.name == "libc.so.6");
  CHECK(a.offset == 0x1000);
  a = parseAddressSpec("kmrt-strlit+0x2004");
  CHECK(a.name == "kmrt-strlit");
  CHECK(a.offset == 0x2004);
  a = parseAddressSpec("libc");
  CHECK(a.kind == AddressSpec::Kind::File);
  CHECK(a.offset == 0);

  CHECK_THROWS_AS(parseAddressSpec(""), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("[stack"), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("[]"), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("[stack]*2"), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("[stack]+"), UsageError);
  CHECK(parseAddressSpec("libc-0x10").name == "libc-0x10");  // '-' is part of file names
  CHECK_THROWS_AS(parseAddressSpec("/lib/libc.so.6+0x10"), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("+0x10"), UsageError);
  CHECK_THROWS_AS(parseAddressSpec("libc+xyz"), UsageError);
}
