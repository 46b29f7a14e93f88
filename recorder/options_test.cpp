#include <catch2/catch.hpp>

#include <kmemrec/abi.h>

#include "options.h"

using namespace kmr;
using namespace kmr::recorder;

namespace {
std::optional<Options> parse(std::vector<const char*> args, std::string* out = nullptr) {
  std::string sink;
  args.insert(args.begin(), "kmemrec");
  return parseOptions(static_cast<int>(args.size()), args.data(), out ? out : &sink);
}
}  // namespace

TEST_CASE("the three ways to choose a target") {
  auto o = parse({"1234", "-o", "t.kmr"});
  REQUIRE(o);
  CHECK(o->pid == 1234u);
  CHECK(o->output == "t.kmr");
  CHECK(o->command.empty());

  o = parse({"-o", "t.kmr", "--", "prog", "-o", "x", "--", "y"});
  REQUIRE(o);
  CHECK_FALSE(o->pid);
  CHECK(o->command == std::vector<std::string>{"prog", "-o", "x", "--", "y"});

  o = parse({"--comm", "bash", "-o", "t.kmr"});
  REQUIRE(o);
  CHECK(o->comm == "bash");
}

TEST_CASE("defaults: everything, until the target exits") {
  auto o = parse({"7", "-o", "t.kmr"});
  REQUIRE(o);
  CHECK(o->range_start == 0);
  CHECK(o->range_end == 0);
  CHECK(o->event_mask == 0);
  CHECK(o->duration_ns == 0);
  CHECK(o->buffer_size == 0);
  CHECK_FALSE(o->live);
  CHECK_FALSE(o->lossless);
  CHECK(o->commandLine == "7 -o t.kmr");
}

TEST_CASE("option values") {
  auto o = parse({"7", "-o", "t", "--range", "0x7f0000000123-0x7f0000002001", "--events",
                  "vma,cow", "--duration", "1.5s", "--buffer-size", "16M", "--live",
                  "--lossless"});
  REQUIRE(o);
  CHECK(o->range_start == 0x7f0000000000);
  CHECK(o->range_end == 0x7f0000003000);
  CHECK(o->event_mask == (KMR_MASK_VMA | KMR_MASK_COW));
  CHECK(o->duration_ns == 1'500'000'000);
  CHECK(o->buffer_size == 16u << 20);
  CHECK(o->live);
  CHECK(o->lossless);
}

TEST_CASE("value parsers") {
  CHECK(parseDuration("10") == 10'000'000'000);
  CHECK(parseDuration("500ms") == 500'000'000);
  CHECK(parseDuration("2m") == 120'000'000'000);
  CHECK_THROWS_AS(parseDuration("0"), UsageError);
  CHECK_THROWS_AS(parseDuration("-3s"), UsageError);
  CHECK_THROWS_AS(parseDuration("soon"), UsageError);
  CHECK_THROWS_AS(parseDuration("nan"), UsageError);
  // Hex as in /proc/PID/maps (the same syntax as kmemreplay --range),
  // widened to whole pages; one address is the page holding it.
  using R = std::pair<uint64_t, uint64_t>;
  CHECK(parseTracedRange("4096-8192") == R{0x4000, 0x9000});
  CHECK(parseTracedRange("555555554000-555555800000") == R{0x555555554000, 0x555555800000});
  CHECK(parseTracedRange("0x7f0000000123") == R{0x7f0000000000, 0x7f0000001000});
  CHECK_THROWS_AS(parseTracedRange("0x2000-0x1000"), UsageError);
  CHECK_THROWS_AS(parseTracedRange("0x1000-zz"), UsageError);
  CHECK_THROWS_AS(parseTracedRange("0d4096-0d8192"), UsageError);
  CHECK_THROWS_AS(parseTracedRange("fffffffffffff001-ffffffffffffffff"), UsageError);
  CHECK(parseEvents("all") == KMR_MASK_ALL);
  CHECK(parseEvents("page-cow-hash") == (KMR_MASK_PAGE_COW_HASH | KMR_MASK_COW));
  CHECK_THROWS_WITH(parseEvents("vma,bogus"), Catch::Contains("unknown event kind 'bogus'"));
}

TEST_CASE("--comm records every process of the name unless --comm-once") {
  auto o = parse({"--comm", "nginx", "-o", "t.kmr"});
  CHECK(o->commAll());
  CHECK(o->tree());
  o = parse({"--comm", "nginx", "--comm-once", "-o", "t.kmr"});
  CHECK_FALSE(o->commAll());
  CHECK_FALSE(o->tree());
  o = parse({"--comm", "nginx", "--max-procs", "5", "-o", "t.kmr"});
  CHECK(o->max_procs == 5);
  o = parse({"--comm", "nginx", "--comm-once", "--flight-recorder", "1M", "-o", "t.kmr"});
  CHECK(o->flight_bytes == (1u << 20));
  CHECK_THROWS_WITH(parse({"--comm-once", "-o", "t", "--", "x"}),
                    Catch::Contains("--comm-once needs --comm"));
  CHECK_THROWS_WITH(parse({"--comm", "x", "--flight-recorder", "1M", "-o", "t"}),
                    Catch::Contains("add --comm-once"));
  CHECK_THROWS_WITH(parse({"--comm", "x", "--live", "-o", "t"}),
                    Catch::Contains("add --comm-once"));
  CHECK_THROWS_WITH(parse({"--comm", "x", "--comm-once", "--max-procs", "3", "-o", "t"}),
                    Catch::Contains("--max-procs needs -f"));
}

TEST_CASE("bad command lines say what is wrong") {
  CHECK_THROWS_WITH(parse({"-o", "t"}), Catch::Contains("say what to record"));
  CHECK_THROWS_WITH(parse({"12", "--comm", "x", "-o", "t"}), Catch::Contains("only one of"));
  CHECK_THROWS_WITH(parse({"12"}), Catch::Contains("output"));
  CHECK_THROWS_WITH(parse({"abc", "-o", "t"}), Catch::Contains("bad pid 'abc'"));
  CHECK_THROWS_WITH(parse({"0", "-o", "t"}), Catch::Contains("bad pid"));
  CHECK_THROWS_WITH(parse({"-o", "t", "--"}), Catch::Contains("nothing to launch"));
  CHECK_THROWS_WITH(parse({"1", "-o", "t", "--buffer-size", "3M"}), Catch::Contains("power of two"));
  CHECK_THROWS_WITH(parse({"1", "-o", "t", "--buffer-size", "4K"}), Catch::Contains("power of two"));
  CHECK_THROWS_WITH(parse({"--comm", "a-very-long-process-name", "-o", "t"}),
                    Catch::Contains("longer than"));
  CHECK_THROWS_AS(parse({"1", "-o", "t", "--bogus"}), UsageError);
}

TEST_CASE("--help prints usage and parses nothing") {
  std::string out;
  CHECK_FALSE(parse({"--help"}, &out));
  CHECK(out.find("--buffer-size") != std::string::npos);
  CHECK(out.find("Exit status") != std::string::npos);
}

TEST_CASE("--capture-pages adds page contents to everything else") {
  auto o = parse({"7", "-o", "t", "--capture-pages", "cow"});
  REQUIRE(o);
  CHECK(o->event_mask == (KMR_MASK_ALL | KMR_MASK_PAGE_COW));
  o = parse({"7", "-o", "t", "--events", "vma", "--capture-pages", "cow:hash"});
  REQUIRE(o);
  CHECK(o->event_mask == (KMR_MASK_VMA | KMR_MASK_COW | KMR_MASK_PAGE_COW_HASH));
  CHECK_THROWS_WITH(parse({"7", "-o", "t", "--capture-pages", "all"}),
                    Catch::Contains("'cow' or 'cow:hash'"));
}

TEST_CASE("--flight-recorder and its triggers") {
  auto o = parse({"7", "-o", "t.kmr"});
  REQUIRE(o);
  CHECK(o->flight_bytes == 0);
  CHECK(o->trigger_rss == 0);
  CHECK(o->trigger_repeat == 0);

  o = parse({"7", "-o", "t.kmr", "--flight-recorder", "64M", "--trigger-rss", "1G",
             "--trigger-repeat", "3"});
  REQUIRE(o);
  CHECK(o->flight_bytes == 64u << 20);
  CHECK(o->trigger_rss == 1u << 30);
  CHECK(o->trigger_repeat == 3);

  CHECK_THROWS_WITH(parse({"7", "-o", "t.kmr", "--flight-recorder", "4K"}),
                    Catch::Contains("at least 256K"));
  CHECK_THROWS_AS(parse({"7", "-o", "t.kmr", "--flight-recorder", "lots"}), UsageError);
  CHECK_THROWS_WITH(parse({"7", "-o", "t.kmr", "--trigger-rss", "1G"}),
                    Catch::Contains("needs --flight-recorder"));
  CHECK_THROWS_WITH(parse({"7", "-o", "t.kmr", "--trigger-repeat", "2"}),
                    Catch::Contains("needs --flight-recorder"));
  CHECK_THROWS_AS(parse({"7", "-o", "t.kmr", "--flight-recorder", "1M", "--trigger-repeat", "0"}),
                  UsageError);
  CHECK_THROWS_WITH(parse({"7", "-o", "t.kmr", "--flight-recorder", "1M", "--trigger-rss", "0"}),
                    Catch::Contains("more than 0"));
}
