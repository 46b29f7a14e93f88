// kmemreplay compare A B [--json] [--at-relative P] [--all]: the input
// against itself, and against a committed fixture (one way round or the
// other, by the input's size).
#include <iostream>

#include "compare_views.h"
#include "fuzz_trace.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::inputPath(data, size);
  const std::string fixture = fuzz::fixture("seq.kmr");
  auto compare = [&](std::string a, std::string b, bool json, std::string at, bool all) {
    fuzz::expectClearErrors([&] {
      replayer::CompareOptions o;
      o.a = a;
      o.b = b;
      o.json = json;
      o.at_relative = at;
      o.all = all;
      fuzz::NullStream out, warnings;
      // runCompare warns about damage on std::cerr: keep the fuzzer's log clean.
      std::streambuf* cerr = std::cerr.rdbuf(warnings.rdbuf());
      try {
        (void)replayer::runCompare(o, Style{}, out);
      } catch (...) {
        std::cerr.rdbuf(cerr);
        throw;
      }
      std::cerr.rdbuf(cerr);
    });
  };
  compare(path, path, false, "", true);
  if (size % 2)
    compare(path, fixture, true, "50%", false);
  else
    compare(fixture, path, false, "end", false);
  return 0;
}
