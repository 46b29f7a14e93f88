#include "base/numbers.h"

#include <catch2/catch.hpp>

#include "base/exit_codes.h"

using namespace kmr;

TEST_CASE("addresses are hex, 0x optional, as /proc/PID/maps prints them") {
  CHECK(parseAddress("7ffc1000") == 0x7ffc1000);
  CHECK(parseAddress("0x7ffc1000") == 0x7ffc1000);
  CHECK(parseAddress("0X10") == 0x10);
  CHECK(parseAddress("10") == 0x10);
  CHECK(parseAddress("00400000") == 0x400000);
  CHECK(parseAddress("ffffffffffffffff") == UINT64_MAX);
  CHECK_THROWS_AS(parseAddress("1ffffffffffffffff"), UsageError);
  CHECK_THROWS_AS(parseAddress("0x"), UsageError);
  CHECK_THROWS_AS(parseAddress("g1"), UsageError);
  CHECK_THROWS_AS(parseAddress(""), UsageError);
  CHECK_THROWS_AS(parseAddress("-1"), UsageError);
  CHECK_THROWS_AS(parseAddress("+10"), UsageError);
  CHECK_THROWS_AS(parseAddress(" 10"), UsageError);
  CHECK_THROWS_AS(parseAddress("4K"), UsageError);
}

TEST_CASE("a leading 0d is ambiguous (old decimal prefix, or zero-padded hex): refused") {
  CHECK_THROWS_WITH(parseAddress("0d4096"), Catch::Contains("ambiguous"));
  CHECK_THROWS_WITH(parseAddress("0d500000"), Catch::Contains("0x0d500000"));
  CHECK(parseAddress("0x0d500000") == 0x0d500000);
}

TEST_CASE("ranges: START-END or one ADDR, the same in kmemrec and kmemreplay") {
  AddressRange r = parseAddressRange("555555554000-555555800000");
  CHECK(r.start == 0x555555554000);
  CHECK(r.end == 0x555555800000);
  CHECK_FALSE(r.single);
  r = parseAddressRange("0x1000-0x2000");
  CHECK(r.start == 0x1000);
  CHECK(r.end == 0x2000);
  r = parseAddressRange("7f0000001234");
  CHECK(r.start == 0x7f0000001234);
  CHECK(r.end == 0x7f0000001235);
  CHECK(r.single);
  CHECK_THROWS_WITH(parseAddressRange("2000-1000"), Catch::Contains("START must be below END"));
  CHECK_THROWS_AS(parseAddressRange("1000-1000"), UsageError);
  CHECK_THROWS_AS(parseAddressRange("1000-"), UsageError);
  CHECK_THROWS_AS(parseAddressRange("-1000"), UsageError);
  CHECK_THROWS_AS(parseAddressRange("1000-2000-3000"), UsageError);
  CHECK_THROWS_AS(parseAddressRange("0d4096-0d8192"), UsageError);
  CHECK_THROWS_AS(parseAddressRange("ffffffffffffffff"), UsageError);
}

TEST_CASE("sizes: decimal or 0x hex, binary suffixes") {
  CHECK(parseSize("4096") == 4096);
  CHECK(parseSize("0x1000") == 4096);
  CHECK(parseSize("010") == 10);  // decimal, never octal
  CHECK(parseSize("4K") == 4096);
  CHECK(parseSize("4k") == 4096);
  CHECK(parseSize("64M") == 64ull << 20);
  CHECK(parseSize("1g") == 1ull << 30);
  CHECK(parseSize("0x10K") == 16 << 10);
  CHECK(parseSize("0") == 0);
  CHECK_THROWS_AS(parseSize("abc"), UsageError);
  CHECK_THROWS_AS(parseSize("1T"), UsageError);
  CHECK_THROWS_AS(parseSize("-4"), UsageError);
  CHECK_THROWS_AS(parseSize("K"), UsageError);
  CHECK_THROWS_AS(parseSize(""), UsageError);
  CHECK_THROWS_AS(parseSize("99999999999G"), UsageError);
  CHECK_THROWS_AS(parseSize("99999999999999999999"), UsageError);
}

TEST_CASE("pids are decimal and in range") {
  CHECK(parsePid("1") == 1);
  CHECK(parsePid("4194304") == 4194304);
  CHECK_THROWS_AS(parsePid("0"), UsageError);
  CHECK_THROWS_AS(parsePid("4194305"), UsageError);
  CHECK_THROWS_AS(parsePid("0x10"), UsageError);
  CHECK_THROWS_AS(parsePid("-1"), UsageError);
  CHECK_THROWS_AS(parsePid(""), UsageError);
  CHECK_THROWS_AS(parsePid("99999999999999999999999"), UsageError);
}

TEST_CASE("printing") {
  CHECK(hex(0x7f0000001000) == "7f0000001000");
  CHECK(hex(0) == "0");
  CHECK(bytesText(512) == "512 B");
  CHECK(bytesText(4096) == "4.0 KiB");
  CHECK(bytesText(3u << 19) == "1.5 MiB");
}
