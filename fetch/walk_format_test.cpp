#include "walk_format.h"

#include <catch2/catch.hpp>

using namespace kmr::fetch;

TEST_CASE("flag names, unknown bits shown") {
  CHECK(pteFlagNames(0) == "-");
  CHECK(pteFlagNames(KMR_PTE_PRESENT | KMR_PTE_WRITE | KMR_PTE_ANON) == "present,write,anon");
  CHECK(pteFlagNames(KMR_PTE_PRESENT | (1u << 15)) == "present,0x8000");
  CHECK(levelName(KMR_LVL_PMD) == std::string("pmd"));
  CHECK(levelName(0) == std::string("none"));
  CHECK(sizeName(4096) == "4K");
  CHECK(sizeName(2u << 20) == "2M");
  CHECK(sizeName(1u << 30) == "1G");
  CHECK(sizeName(100) == "100");
}

TEST_CASE("a 4K leaf: every level, pfn and physical address") {
  kmr_walk w{};
  w.vaddr = 0x7ffd3c2e1010;
  w.entry[0] = 0x8000000102345067;
  w.entry[1] = 0x8000000102346067;
  w.entry[2] = 0x102347067;
  w.entry[3] = 0x102348067;
  w.entry[4] = 0x8000000012345867;
  w.levels = 5;
  w.stop_level = KMR_LVL_PTE;
  w.leaf = 1;
  w.pte_flags = KMR_PTE_PRESENT | KMR_PTE_WRITE | KMR_PTE_DIRTY | KMR_PTE_ANON;
  w.pfn = 0x12345;
  w.phys = 0x12345010;
  w.page_size = 4096;
  auto row = walkRow(w);
  REQUIRE(row.size() == walkColumns().size());
  CHECK(row[0] == "0x7ffd3c2e1010");
  CHECK(row[1] == "8000000102345067");
  CHECK(row[5] == "8000000012345867");
  CHECK(row[6] == "0x12345");
  CHECK(row[7] == "0x12345010");
  CHECK(row[8] == "4K");
  CHECK(row[9] == "present,write,dirty,anon");
  CHECK(row[10] == "pte");
  w.levels = 4;
  CHECK(walkRow(w)[2] == "=pgd");
}

TEST_CASE("walks that stop above the PTE") {
  kmr_walk w{};
  w.vaddr = 0x1000;
  w.levels = 5;
  w.stop_level = KMR_LVL_PUD;
  w.entry[0] = 0x1067;
  w.entry[1] = 0x2067;
  auto row = walkRow(w);
  CHECK(row[3] == "0000000000000000");
  CHECK(row[4] == "-");
  CHECK(row[6] == "-");
  CHECK(row[9] == "-");
  CHECK(row[10] == "pud: none");

  w.stop_level = KMR_LVL_PMD;
  w.entry[2] = 0x3067;
  w.entry[3] = 0x80000000048000e7;
  w.leaf = 1;
  w.page_size = 2u << 20;
  w.pfn = 0x4800;
  w.pte_flags = KMR_PTE_PRESENT | KMR_PTE_HUGE;
  CHECK(describeStop(w) == "pmd: 2M leaf");
  CHECK(walkRow(w)[8] == "2M");

  w = kmr_walk{};
  w.stop_level = KMR_LVL_PTE;
  w.entry[4] = 0x1234500;
  w.pte_flags = KMR_PTE_SWAP;
  CHECK(describeStop(w) == "pte: not present (swap)");
  CHECK(walkRow(w)[9] == "swap");
}
