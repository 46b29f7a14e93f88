// kmemreplay TRACE --at T [--range A-B] [--json]: the state at an instant.
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto at = [](std::string t, std::string range = "") {
    return [t, range](replayer::ViewContext& ctx) { replayer::runAt({t, range}, ctx); };
  };
  fuzz::runViews(data, size,
                 {{false, at("50%")},
                  {false, at("end", "555555554000-555555800000")},
                  {true, at("event:100")},
                  {true, at("start")}});
  return 0;
}
