// kmemreplay TRACE [--json]: the summary.
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto summary = [](replayer::ViewContext& ctx) { replayer::runSummary({}, ctx); };
  fuzz::runViews(data, size, {{false, summary}, {true, summary}});
  return 0;
}
