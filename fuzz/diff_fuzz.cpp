// kmemreplay TRACE --diff T1 T2 [--range A-B] [--json]: what changed.
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto diff = [](std::string a, std::string b, std::string range = "") {
    return [a, b, range](replayer::ViewContext& ctx) { replayer::runDiff({{a, b}, range}, ctx); };
  };
  fuzz::runViews(data, size,
                 {{false, diff("start", "end")},
                  {true, diff("25%", "75%")},
                  {false, diff("event:10", "event:200", "7e0000000000-7fffffffffff")}});
  return 0;
}
