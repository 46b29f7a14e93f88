#include "address.h"

#include <catch2/catch.hpp>

using namespace kmr::fetch;

namespace {

const char* kMaps =
    "00400000-00401000 r--p 00000000 fe:01 1234                       /usr/bin/kmrt-strlit\n"
    "00401000-00480000 r-xp 00001000 fe:01 1234                       /usr/bin/kmrt-strlit\n"
    "004c0000-004c6000 rw-p 000bf000 fe:01 1234                       /usr/bin/kmrt-strlit\n"
    "01c5e000-01c80000 rw-p 00000000 00:00 0                          [heap]\n"
    "7f0000000000-7f0000028000 r--p 00000000 fe:01 99                 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f0000028000-7f000019d000 r-xp 00028000 fe:01 99                 /usr/lib/x86_64-linux-gnu/libc.so.6\n"
    "7f00001f0000-7f00001f1000 r--p 00000000 fe:01 77                 /usr/lib/libcrypt.so.1\n"
    "7f1000000000-7f1000001000 rw-s 00000000 00:05 55                 /dev/shm/with space (deleted)\n"
    "7ffd3c2c2000-7ffd3c2e3000 rw-p 00000000 00:00 0                  [stack]\n"
    "7ffd3c3c5000-7ffd3c3c9000 r--p 00000000 00:00 0                  [vvar]\n"
    "7ffd3c3c9000-7ffd3c3cb000 r-xp 00000000 00:00 0                  [vdso]\n";

uint64_t resolve(const std::string& s) { return resolveAddress(parseAddressSpec(s), parseMaps(kMaps), 42); }

}  // namespace

TEST_CASE("absolute addresses need no maps") {
  CHECK_FALSE(needsMaps(parseAddressSpec("0x1000")));
  CHECK(resolveAddress(parseAddressSpec("0x1000"), {}, 1) == 0x1000);
  CHECK(needsMaps(parseAddressSpec("[stack]")));
}

TEST_CASE("special mapping names") {
  CHECK(resolve("[stack]") == 0x7ffd3c2c2000);
  CHECK(resolve("[stack]+0x10") == 0x7ffd3c2c2010);
  CHECK(resolve("[stack]-0x10") == 0x7ffd3c2c1ff0);
  CHECK(resolve("[heap]") == 0x01c5e000);
  CHECK(resolve("[vdso]+1") == 0x7ffd3c3c9001);
  CHECK_THROWS_WITH(resolve("[vdso]+0d1"), Catch::Contains("ambiguous"));  // no decimal form
  CHECK_THROWS_WITH(resolve("[anon]"), Catch::Contains("no mapping named [anon]") &&
                                           Catch::Contains("kmemfetch maps 42"));
}

TEST_CASE("files: exact basename, then prefix before . - _") {
  CHECK(resolve("kmrt-strlit") == 0x400000);
  CHECK(resolve("kmrt-strlit+0x1004") == 0x401004);
  CHECK(resolve("libc.so.6+0x28000") == 0x7f0000028000);
  CHECK(resolve("libc+0x10") == 0x7f0000000010);  // libc.so.6, not libcrypt
  CHECK(resolve("libcrypt") == 0x7f00001f0000);
  CHECK(resolve("with space") == 0x7f1000000000);  // " (deleted)" dropped
  CHECK(resolve("kmrt") == 0x400000);  // kmrt + "-strlit"
  CHECK_THROWS_WITH(resolve("strlit"), Catch::Contains("no mapped file named 'strlit'"));
  CHECK_THROWS_WITH(resolve("libc.s"), Catch::Contains("no mapped file named"));
  CHECK(resolve("libc.so") == 0x7f0000000000);  // libc.so + ".6"
}

TEST_CASE("ambiguous and wrapping names are refused") {
  std::string maps = std::string(kMaps) +
                     "7f2000000000-7f2000001000 r--p 00000000 fe:01 5 /opt/libc.so.7\n";
  auto m = parseMaps(maps);
  CHECK_THROWS_WITH(resolveAddress(parseAddressSpec("libc"), m, 1),
                    Catch::Contains("several mapped files") && Catch::Contains("/opt/libc.so.7"));
  CHECK(resolveAddress(parseAddressSpec("libc.so.7"), m, 1) == 0x7f2000000000);
  CHECK_THROWS_WITH(resolveAddress(parseAddressSpec("[heap]-0x2000000"), m, 1),
                    Catch::Contains("wraps"));
  CHECK_THROWS_WITH(resolveAddress(parseAddressSpec("[stack]+ffffffffffffffff"), m, 1),
                    Catch::Contains("wraps"));
}
