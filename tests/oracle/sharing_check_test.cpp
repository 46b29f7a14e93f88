// compareSharing on hand-made checkpoints and JSON: equal counts pass; a
// wrong shared count, a wrong present count, an instant outside the second
// checkpoint, or a missing process are each reported.
#include <catch2/catch.hpp>

#include "checkpoint.h"
#include "sharing_check.h"

using namespace kmr::oracle;

namespace {

Checkpoint ckpt(uint32_t pid, uint64_t before, uint64_t after,
                std::map<uint64_t, uint64_t> pages) {
  Checkpoint c;
  c.pid = pid;
  c.label = "c" + std::to_string(pid);
  c.mono_before = before;
  c.mono_after = after;
  for (auto [va, pfn] : pages) c.pagemap[va] = kPmPresent | pfn;
  return c;
}

std::string json(uint64_t t, uint64_t shared_a, uint64_t present_b) {
  auto proc = [](uint32_t pid, uint64_t present, uint64_t shared, uint32_t other) {
    std::string w = shared ? "{\"" + std::to_string(other) + "\": " + std::to_string(shared) + "}"
                           : "{}";
    std::string c = "\"present\": " + std::to_string(present) + ", \"shared\": " +
                    std::to_string(shared) + ", \"own\": " + std::to_string(present - shared) +
                    ", \"zero\": 0, \"with\": " + w;
    return "{\"pid\": " + std::to_string(pid) +
           ", \"vmas\": [{\"start\": \"1000\", \"end\": \"5000\", \"name\": \"[anon]\", " + c +
           "}], \"total\": {" + c + "}}";
  };
  return "{\"at\": {\"mono_ns\": " + std::to_string(t) + "}, \"processes\": [" +
         proc(1, 4, shared_a, 2) + ", " + proc(2, present_b, 2, 1) + "]}";
}

}  // namespace

TEST_CASE("compareSharing: two pagemaps, two shared frames") {
  // a maps frames 10 11 12 13; b maps 10 11 (shared) and 20 21 (its copies)
  Checkpoint a = ckpt(1, 100, 200, {{0x1000, 10}, {0x2000, 11}, {0x3000, 12}, {0x4000, 13}});
  Checkpoint b = ckpt(2, 300, 400, {{0x1000, 10}, {0x2000, 11}, {0x3000, 20}, {0x4000, 21}});
  CHECK(compareSharing(json(350, 2, 4), a, b).empty());
  CHECK(compareSharing(json(350, 3, 4), a, b).size() == 1);  // a's shared count wrong
  CHECK(compareSharing(json(350, 2, 3), a, b).size() >= 1);  // b's present count wrong
  CHECK(compareSharing(json(450, 2, 4), a, b).size() == 1);  // T outside b's checkpoint
  CHECK(compareSharing(json(350, 2, 4), b, a).size() >= 1);  // not one instant
  Checkpoint c = ckpt(3, 100, 200, {});
  CHECK_THROWS(compareSharing(json(350, 2, 4), c, b));  // pid 3 not in the JSON
}
