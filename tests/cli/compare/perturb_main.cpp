// kmr-perturb: derive test traces from a trace (for the compare goldens).
//
//   kmr-perturb in.kmr out.kmr --add-faults 25 --range 0x455555654000-0x455565654000
//       repeat the first 25 faults inside the range (more faults in one VMA)
//   kmr-perturb in.kmr out.kmr --slide 0x555555554000-0x565555554000:-0x1000000000 ...
//       move every address of a region, as ASLR does, one region at a time
#include <CLI/CLI.hpp>

#include <cstdlib>
#include <iostream>

#include "tests/support/trace_edit.h"
#include "kmr/error.h"

namespace {

uint64_t number(const std::string& s) {
  char* end = nullptr;
  errno = 0;
  unsigned long long v = std::strtoull(s.c_str(), &end, 0);
  if (s.empty() || *end || errno) throw kmr::Error(kmr::Error::Code::Syntax, "bad number '" + s + "'");
  return v;
}

std::pair<uint64_t, uint64_t> range(const std::string& s) {
  size_t dash = s.find('-');
  if (dash == std::string::npos) throw kmr::Error(kmr::Error::Code::Syntax, "range is LO-HI: '" + s + "'");
  return {number(s.substr(0, dash)), number(s.substr(dash + 1))};
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"kmr-perturb: derive test traces (compare goldens)"};
  std::string in, out, add_range;
  uint64_t add = 0;
  std::vector<std::string> slides;
  app.add_option("in", in)->required();
  app.add_option("out", out)->required();
  app.add_option("--add-faults", add, "Repeat this many faults inside --range");
  app.add_option("--range", add_range, "LO-HI addresses for --add-faults");
  app.add_option("--slide", slides, "LO-HI:DELTA (DELTA may be negative)");
  CLI11_PARSE(app, argc, argv);
  try {
    if (add) {
      auto [lo, hi] = range(add_range);
      uint64_t n = kmr::testing::addFaults(in, out, lo, hi, add);
      if (n != add) throw kmr::Error(kmr::Error::Code::Usage, "only " + std::to_string(n) + " faults in the range");
    } else {
      std::vector<kmr::testing::Slide> v;
      for (const std::string& s : slides) {
        size_t colon = s.rfind(':');
        if (colon == std::string::npos) throw kmr::Error(kmr::Error::Code::Syntax, "--slide is LO-HI:DELTA");
        auto [lo, hi] = range(s.substr(0, colon));
        std::string d = s.substr(colon + 1);
        bool neg = !d.empty() && d[0] == '-';
        int64_t delta = static_cast<int64_t>(number(neg ? d.substr(1) : d));
        v.push_back({lo, hi, neg ? -delta : delta});
      }
      kmr::testing::slideRegions(in, out, v);
    }
  } catch (const std::exception& e) {
    std::cerr << "kmr-perturb: error: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
