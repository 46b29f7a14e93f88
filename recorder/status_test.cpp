#include <catch2/catch.hpp>

#include "status.h"

using namespace kmr::recorder;

TEST_CASE("human numbers") {
  CHECK(humanCount(950) == "950");
  CHECK(humanCount(12345) == "12.3k");
  CHECK(humanCount(4560000) == "4.56M");
  CHECK(humanBytes(512) == "512 B");
  CHECK(humanBytes(3 << 20) == "3.00 MiB");
}

TEST_CASE("the status line has every figure") {
  StatusSnapshot s;
  s.elapsed_s = 12.34;
  s.events = 1230000;
  s.events_per_s = 98100;
  s.lost = 0;
  s.file_bytes = 4718592;
  s.written_events = 1000000;
  std::string line = formatStatus(s);
  CHECK_THAT(line, Catch::Contains("12.3s") && Catch::Contains("1.23M events") &&
                       Catch::Contains("98.1k/s") && Catch::Contains("lost 0") &&
                       Catch::Contains("4.50 MiB") && Catch::Contains("4.7 B/event"));
}

TEST_CASE("a summary without loss has no warning; any loss is loud") {
  Summary s;
  s.output = "t.kmr";
  s.pid = 5;
  s.comm = "x";
  s.end_reason = "the target exited";
  std::string clean = formatSummary(s);
  CHECK(clean.find("WARNING") == std::string::npos);
  CHECK_FALSE(summaryHasLoss(s));
  s.ring_lost = 12;
  std::string lossy = formatSummary(s);
  CHECK(summaryHasLoss(s));
  CHECK_THAT(lossy, Catch::Contains("THE TRACE IS INCOMPLETE") && Catch::Contains("12 events were LOST") &&
                        Catch::Contains("--buffer-size"));
  s.ring_lost = 0;
  s.gaps = 1;
  CHECK_THAT(formatSummary(s), Catch::Contains("module bug"));
}

TEST_CASE("the summary counts the trace's events, and the ring records when they differ") {
  Summary s;
  s.output = "t.kmr";
  s.pid = 5;
  s.comm = "x";
  s.end_reason = "the target exited";
  s.elapsed_s = 2;
  s.events = 65538;  // ring records: one per first touch carries its fault
  s.written = 131076;
  CHECK_THAT(formatSummary(s), Catch::Contains("  131076 events from 65538 ring records (65.5k/s)"));
  s.events = s.written;
  CHECK_THAT(formatSummary(s), Catch::Contains("  131076 events (65.5k/s)"));
}

TEST_CASE("a --lossless summary says how long the target was held and what was lost") {
  Summary s;
  s.output = "t.kmr";
  s.pid = 5;
  s.comm = "x";
  s.end_reason = "the target exited";
  CHECK(formatSummary(s).find("lossless") == std::string::npos);
  s.lossless = kmr::LosslessTotals{2'012'345'678, 9, 0};
  std::string text = formatSummary(s);
  CHECK_THAT(text, Catch::Contains("  lossless: target held 2012.3 ms in 9 waits; lost while "
                                   "lossless: 0 (0 from kernel threads)\n"));
  CHECK_FALSE(summaryHasLoss(s));
  s.lost = 5;
  s.lossless->lost_other = 5;
  CHECK_THAT(formatSummary(s),
             Catch::Contains("lost while lossless: 5 (5 from kernel threads)") &&
                 Catch::Contains("THE TRACE IS INCOMPLETE"));
}

TEST_CASE("--live renders the shadow state's VMAs and pages") {
  using namespace kmr;
  ShadowState st;
  std::vector<uint64_t> ents;
  for (int i = 0; i < 8; i++) ents.push_back(KMR_PTE_MAKE(0x500 + i, KMR_PTE_PRESENT | KMR_PTE_ANON));
  st.apply(makeSnapshot(1, 10, false, KMR_SNAP_START, {0, 0, 42, 0, 0}));
  st.apply(makeVmaSync(2, 11, KMR_VMA_CAUSE_SNAPSHOT, 0, ~0ull >> 8, 1));
  st.apply(makeVma(3, 12, KMR_VMA_F_ANON, {2, 0x10000, 0x20000, 0x10, 0, 0, KMR_VM_READ | KMR_VM_WRITE}, ""));
  st.apply(makePte(4, 13, KMR_PTE_CAUSE_SNAPSHOT, 0x10000, 12, ents));
  st.apply(makeSnapshot(5, 14, true, KMR_SNAP_START, {0, 0, 42, 1, 8}));
  std::string out = renderLive(st, 0, 0, 1.5);
  INFO(out);
  CHECK_THAT(out, Catch::Contains("t=1.5s") && Catch::Contains("1 VMAs, 8 present pages"));
  CHECK_THAT(out, Catch::Contains("10000") && Catch::Contains("500"));
  // Outside the range: no VMA row.
  std::string none = renderLive(st, 0x30000, 0x40000, 1.5);
  INFO(none);
  CHECK(none.find("10000") == std::string::npos);
}
