// kmemreplay TRACE --hist [--buckets N] [--from T --to T] [--json].
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto hist = [](unsigned buckets, std::string from, std::string to) {
    return [=](replayer::ViewContext& ctx) {
      replayer::HistOptions h;
      h.enabled = true;
      h.buckets = buckets;
      replayer::runHist(h, {from, to}, ctx);
    };
  };
  fuzz::runViews(data, size,
                 {{false, hist(40, "start", "end")}, {true, hist(7, "10%", "90%")}});
  return 0;
}
