// The comparator on hand-made inputs: it must find every kind of difference
// and accept exactly equal views.
#include <catch2/catch.hpp>

#include <kmemrec/abi.h>

#include "checkpoint.h"
#include "trace_view.h"
#include "view.h"

using namespace kmr::oracle;

namespace {

const char* kMaps =
    "00400000-00401000 r--p 00000000 fe:01 5638491                            /bin/prog\n"
    "00401000-0047d000 r-xp 00001000 fe:01 5638491                            /bin/prog\n"
    "0204f000-02071000 rw-p 00000000 00:00 0                                  [heap]\n"
    "7f0000000000-7f0000004000 rw-s 00000000 00:01 1234                       /dev/zero (deleted)\n"
    "7f0000200000-7f0000600000 rw-p 00000000 00:00 0 \n"
    "7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]\n"
    "ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]\n";

std::string checkpointText(const std::string& pagemap, bool finished = true) {
  std::string maps = kMaps;
  std::string t = "kmr-checkpoint 1\nlabel x\npid 42\nseq 3\nrange 0x0 0x0\nmono_before 1000\n";
  t += "maps " + std::to_string(maps.size()) + "\n" + maps + "pagemap\n" + pagemap;
  if (finished) t += "end\nmono_after 2000\nfaults_during 0\n";
  return t;
}

// pfn 0x1234 file page at 0x400000; anon at the heap; a 2 MiB THP.
std::string kPagemap =
    "0x400000 0xa100000000001234\n"
    "0x204f000 0x8100000000005000\n"
    "0x7f0000000000 0xa000000000007000\n";

TraceState traceState() {
  TraceState s;
  uint32_t dev = (0xfe << 8) | 0x01;
  s.vmas.push_back({0x400000, 0x401000, 0, 5638491, dev, KMR_VM_READ, KMR_VMA_F_FILE, "/bin/prog"});
  s.vmas.push_back({0x401000, 0x47d000, 1, 5638491, dev, KMR_VM_READ | KMR_VM_EXEC,
                    KMR_VMA_F_FILE, "/bin/prog"});
  s.vmas.push_back({0x204f000, 0x2071000, 0x204f, 0, 0, KMR_VM_READ | KMR_VM_WRITE,
                    KMR_VMA_F_ANON | KMR_VMA_F_HEAP, "[heap]"});
  s.vmas.push_back({0x7f0000000000, 0x7f0000004000, 0, 1234, 1,
                    KMR_VM_READ | KMR_VM_WRITE | KMR_VM_SHARED | KMR_VM_MAYSHARE, KMR_VMA_F_FILE,
                    "/dev/zero"});
  s.vmas.push_back({0x7f0000200000, 0x7f0000600000, 0x7f0000200, 0, 0, KMR_VM_READ | KMR_VM_WRITE,
                    KMR_VMA_F_ANON, ""});
  s.vmas.push_back({0x7ffd00000000, 0x7ffd00021000, 0x7ffd00000, 0, 0,
                    KMR_VM_READ | KMR_VM_WRITE | KMR_VM_GROWSDOWN, KMR_VMA_F_STACK, "[stack]"});
  s.ptes.push_back({0x400000, KMR_PTE_MAKE(0x1234, KMR_PTE_PRESENT), 12});
  s.ptes.push_back({0x204f000, KMR_PTE_MAKE(0x5000, KMR_PTE_PRESENT | KMR_PTE_ANON | KMR_PTE_WRITE), 12});
  s.ptes.push_back({0x7f0000000000, KMR_PTE_MAKE(0x7000, KMR_PTE_PRESENT | KMR_PTE_WRITE), 12});
  return s;
}

}  // namespace

TEST_CASE("a checkpoint parses completely") {
  Checkpoint c = parseCheckpoint(checkpointText(kPagemap), "t");
  CHECK(c.label == "x");
  CHECK(c.pid == 42);
  CHECK(c.mono_before == 1000);
  CHECK(c.mono_after == 2000);
  REQUIRE(c.maps.size() == 7);
  CHECK(c.maps[3].name == "/dev/zero (deleted)");
  CHECK(c.maps[3].perms == "rw-s");
  CHECK(c.maps[0].dev_major == 0xfe);
  CHECK(c.maps[1].offset == 0x1000);
  CHECK(c.maps[4].name.empty());
  CHECK(c.pagemap.size() == 3);
}

TEST_CASE("truncated or malformed checkpoints are refused") {
  CHECK_THROWS_WITH(parseCheckpoint(checkpointText(kPagemap, false), "t"), Catch::Contains("truncated"));
  CHECK_THROWS_WITH(parseCheckpoint("kmr-checkpoint 2\n", "t"), Catch::Contains("version 1"));
  CHECK_THROWS_WITH(parseCheckpoint(checkpointText("0x1000 0x0\n"), "t"),
                    Catch::Contains("neither present"));
  CHECK_THROWS_WITH(parseCheckpoint(checkpointText("zz\n"), "t"), Catch::Contains("bad pagemap line"));
}

TEST_CASE("equal views compare equal") {
  MemoryView k = fromCheckpoint(parseCheckpoint(checkpointText(kPagemap), "t"));
  MemoryView t = fromTrace(traceState());
  CHECK(compareViews(k, t).empty());
  CHECK(k.vmas.size() == 6);  // [vsyscall] is not a VMA of the mm
}

TEST_CASE("every difference is reported") {
  MemoryView k = fromCheckpoint(parseCheckpoint(checkpointText(kPagemap), "t"));
  TraceState s = traceState();
  SECTION("a pfn") {
    s.ptes[1].entry = KMR_PTE_MAKE(0x5001, KMR_PTE_PRESENT | KMR_PTE_ANON);
    auto d = compareViews(k, fromTrace(s));
    REQUIRE(d.size() == 1);
    CHECK_THAT(d[0], Catch::Contains("0x204f000") && Catch::Contains("0x5001"));
  }
  SECTION("anon versus file") {
    s.ptes[0].entry = KMR_PTE_MAKE(0x1234, KMR_PTE_PRESENT | KMR_PTE_ANON);
    CHECK(compareViews(k, fromTrace(s)).size() == 1);
  }
  SECTION("a missing page and an extra page") {
    s.ptes.erase(s.ptes.begin());
    s.ptes.push_back({0x7f0000200000, KMR_PTE_MAKE(9, KMR_PTE_PRESENT | KMR_PTE_ANON), 12});
    auto d = compareViews(k, fromTrace(s));
    REQUIRE(d.size() == 2);
    CHECK_THAT(d[0], Catch::Contains("trace not present"));
    CHECK_THAT(d[1], Catch::Contains("kernel not present"));
  }
  SECTION("permissions") {
    s.vmas[2].vm_flags = KMR_VM_READ;
    auto d = compareViews(k, fromTrace(s));
    REQUIRE(d.size() == 1);
    CHECK_THAT(d[0], Catch::Contains("r--p"));
  }
  SECTION("a VMA end") {
    s.vmas[4].end += 0x1000;
    CHECK(compareViews(k, fromTrace(s)).size() == 1);
  }
  SECTION("a missing VMA") {
    s.vmas.pop_back();
    auto d = compareViews(k, fromTrace(s));
    REQUIRE(d.size() == 1);
    CHECK_THAT(d[0], Catch::Contains("missing from the trace") && Catch::Contains("[stack]"));
  }
  SECTION("a file offset") {
    s.vmas[1].pgoff = 2;
    CHECK(compareViews(k, fromTrace(s)).size() == 1);
  }
  SECTION("a name") {
    s.vmas[2].name = "";
    CHECK(compareViews(k, fromTrace(s)).size() == 1);
  }
  SECTION("unknown state") {
    s.unknown.push_back({0x1000, 0x2000});
    CHECK(compareViews(k, fromTrace(s)).size() == 1);
  }
}

TEST_CASE("pages of VM_IO/VM_PFNMAP VMAs are not compared: pagemap cannot show them") {
  MemoryView k = fromCheckpoint(parseCheckpoint(checkpointText(kPagemap), "t"));
  TraceState s = traceState();
  s.vmas.push_back({0x7ffd00100000, 0x7ffd00104000, 0, 0, 0, KMR_VM_READ | KMR_VM_IO,
                    KMR_VMA_F_SPECIAL, "[vvar]"});
  s.ptes.push_back({0x7ffd00100000, KMR_PTE_MAKE(0x2e443, KMR_PTE_PRESENT | KMR_PTE_SPECIAL), 12});
  auto d = compareViews(k, fromTrace(s));
  REQUIRE(d.size() == 1);  // the VMA itself still counts
  CHECK_THAT(d[0], Catch::Contains("only in the trace") && Catch::Contains("[vvar]"));
}

TEST_CASE("a huge leaf is 512 pagemap pages") {
  std::string pm;
  char line[64];
  for (int i = 0; i < 512; i++) {
    std::snprintf(line, sizeof(line), "0x%llx 0x%llx\n", 0x7f0000200000ull + i * 4096ull,
                  (1ull << 63) | (0x40000ull + i));
    pm += line;
  }
  MemoryView k = fromCheckpoint(parseCheckpoint(checkpointText(pm), "t"));
  TraceState s = traceState();
  s.ptes.clear();
  s.ptes.push_back({0x7f0000200000, KMR_PTE_MAKE(0x40000, KMR_PTE_PRESENT | KMR_PTE_ANON | KMR_PTE_HUGE), 21});
  CHECK(compareViews(k, fromTrace(s)).empty());
  s.ptes[0].entry = KMR_PTE_MAKE(0x40200, KMR_PTE_PRESENT | KMR_PTE_ANON | KMR_PTE_HUGE);
  auto d = compareViews(k, fromTrace(s));
  CHECK(d.size() == 51);  // 50 shown + "... and 462 more"
  CHECK_THAT(d.back(), Catch::Contains("462 more"));
}

TEST_CASE("clipping to a traced range") {
  MemoryView k = fromCheckpoint(parseCheckpoint(checkpointText(kPagemap), "t"));
  clipView(&k, 0x7f0000000000, 0x7f0000202000);
  REQUIRE(k.vmas.size() == 2);
  CHECK(k.vmas[1].end == 0x7f0000202000);
  CHECK(k.pages.size() == 1);
  // unknown ranges too: outside the traced range they say nothing
  k.unknown = {{0x7e0000000000, 0x7e0000001000}, {0x7f0000201000, 0x7f0000400000}};
  clipView(&k, 0x7f0000000000, 0x7f0000202000);
  REQUIRE(k.unknown.size() == 1);
  CHECK(k.unknown[0] == std::pair<uint64_t, uint64_t>{0x7f0000201000, 0x7f0000202000});
}

#include "replay_json.h"

TEST_CASE("kmemreplay's JSON state becomes the same view") {
  const char* json = R"({
    "present_pages": 3, "vma_count": 2, "exited": false, "exit_code": 0,
    "unknown_pages": [], "unknown_vmas": [], "pending_windows": [],
    "vmas": [
      {"start": 4194304, "end": 4198400, "pgoff": 0, "ino": 5638491, "dev": 65025,
       "vm_flags": 1, "flags": 1, "perm": "r--p", "name": "/bin/prog", "present_pages": 1,
       "unknown": false, "runs": [{"vaddr": 4194304, "pages": 1, "pfn": 4660, "step": 1,
                                   "flags": 1, "flags_text": "p", "unknown": false}]},
      {"start": 33878016, "end": 34017280, "pgoff": 33870, "ino": 0, "dev": 0,
       "vm_flags": 3, "flags": 6, "perm": "rw-p", "name": "[anon]", "present_pages": 2,
       "unknown": false, "runs": [{"vaddr": 33878016, "pages": 2, "pfn": 20481, "step": -1,
                                   "flags": 35, "flags_text": "pwa", "unknown": false}]}
    ],
    "pages_outside_vmas": []})";
  TraceState s = parseReplayJson(json);
  REQUIRE(s.vmas.size() == 2);
  CHECK(s.vmas[1].name.empty());
  REQUIRE(s.ptes.size() == 3);
  CHECK(KMR_PTE_PFN(s.ptes[1].entry) == 20481);
  CHECK(KMR_PTE_PFN(s.ptes[2].entry) == 20480);  // step -1
  MemoryView v = fromTrace(s);
  CHECK(v.vmas[0].dev_major == 0xfe);
  CHECK(v.pages.size() == 3);
  CHECK_THROWS_WITH(parseReplayJson("{\"vmas\": 3}"), Catch::Contains("not kmemreplay"));
}
