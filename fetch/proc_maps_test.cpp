#include "proc_maps.h"

#include <unistd.h>

#include <catch2/catch.hpp>
#include <stdexcept>

using namespace kmr::fetch;

TEST_CASE("maps lines parse, names with spaces and (deleted)") {
  auto m = parseMaps(
      "00400000-00401000 r--p 00000000 fe:01 1234   /usr/bin/prog\n"
      "7f1000000000-7f1000001000 rw-s 0000a000 00:05 55   /dev/shm/a b (deleted)\n"
      "7ffd3c2c2000-7ffd3c2e3000 rw-p 00000000 00:00 0 \n"
      "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n");
  REQUIRE(m.size() == 4);
  CHECK(m[0].start == 0x400000);
  CHECK(m[0].end == 0x401000);
  CHECK(m[0].perms == "r--p");
  CHECK(m[0].inode == 1234);
  CHECK(m[0].isFile());
  CHECK(m[1].offset == 0xa000);
  CHECK(m[1].dev == "00:05");
  CHECK(m[1].name == "/dev/shm/a b (deleted)");
  CHECK(m[1].path() == "/dev/shm/a b");
  CHECK(m[2].name.empty());
  CHECK_FALSE(m[2].isFile());
  CHECK(m[3].start == 0xffffffffff600000);
  CHECK(m[3].name == "[vsyscall]");
}

TEST_CASE("smaps fields attach to their mapping") {
  auto m = parseMaps(
      "00400000-00402000 r-xp 00000000 fe:01 1234   /usr/bin/prog\n"
      "Size:                  8 kB\n"
      "Rss:                   8 kB\n"
      "Anonymous:             0 kB\n"
      "Swap:                  0 kB\n"
      "VmFlags: rd ex mr mw me dw\n"
      "7ffd3c2c2000-7ffd3c2e3000 rw-p 00000000 00:00 0   [stack]\n"
      "Rss:                  12 kB\n"
      "Anonymous:            12 kB\n"
      "Swap:                  4 kB\n");
  REQUIRE(m.size() == 2);
  CHECK(m[0].rss_kb == 8);
  CHECK(m[1].rss_kb == 12);
  CHECK(m[1].anon_kb == 12);
  CHECK(m[1].swap_kb == 4);
}

TEST_CASE("garbage is refused") {
  CHECK_THROWS_AS(parseMaps("hello\n"), std::runtime_error);
  CHECK_THROWS_AS(parseMaps("0040000-zz r--p 0 fe:01 1 x\n"), std::runtime_error);
  CHECK_THROWS_AS(parseMaps("00400000-00401000 r--p 00000000 fe01 1234 /x\n"), std::runtime_error);
}

TEST_CASE("this process's own maps read and hold its stack") {
  auto m = readMaps(static_cast<uint32_t>(getpid()));
  int local = 0;
  auto here = reinterpret_cast<uint64_t>(&local);
  bool found = false;
  for (const auto& e : m)
    if (here >= e.start && here < e.end) found = e.name == "[stack]";
  CHECK(found);
  CHECK_THROWS_WITH(readMaps(0x3fffff), Catch::Contains("no such process"));
}

TEST_CASE("basenames") {
  CHECK(baseName("/usr/lib/libc.so.6") == "libc.so.6");
  CHECK(baseName("libc.so.6") == "libc.so.6");
  CHECK(baseName("/") == "");
}
