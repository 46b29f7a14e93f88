// kmemreplay TRACE --at T --page VADDR [--json]: a captured page's bytes.
// The page is one the trace captured (its first PAGE_DATA event), else an
// arbitrary one.
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string& path = fuzz::inputPath(data, size);
  std::string page = "7effffc1a123";
  fuzz::expectClearErrors([&] {
    TraceReader reader(path);
    EventStream es(reader);
    Event ev;
    for (int i = 0; i < 100000 && es.next(ev); i++)
      if (ev.kind == EventKind::PageData) {
        char b[32];
        std::snprintf(b, sizeof b, "%llx", static_cast<unsigned long long>(ev.page_data.vaddr));
        page = b;
        break;
      }
  });
  auto pageAt = [&](std::string at) {
    return [=](replayer::ViewContext& ctx) { replayer::runPage({page}, at, ctx); };
  };
  fuzz::runViews(data, size, {{false, pageAt("end")}, {true, pageAt("50%")}});
  return 0;
}
