// kmemreplay TRACE --svg FILE [--metric M] --perfetto FILE
// [--perfetto-max-mb N] [--from T --to T]: both writers in one replay, then
// the Perfetto one alone over a window.
#include "compare_views.h"
#include "fuzz_trace.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const char* const kMetrics[] = {"faults", "first-touch", "cow", "resident"};
  const std::string dir = fuzz::scratchDir();
  auto exports = [&](bool svg, bool perfetto, std::string from = "start", std::string to = "end") {
    return [=](replayer::ViewContext& ctx) {
      replayer::ExportOptions o;
      if (svg) o.svg = dir + "/out.svg";
      if (perfetto) o.perfetto = dir + "/out.json";
      o.metric = kMetrics[size % 4];
      o.perfetto_max_mb = 1;  // the size bound is part of what is tested
      replayer::runExports(o, {from, to}, ctx);
    };
  };
  // The SVG's grid costs the same for any input: one render per input.
  fuzz::runViews(data, size,
                 {{size % 2 == 1, exports(true, true)},
                  {true, exports(false, true, "event:5", "60%")}});
  return 0;
}
