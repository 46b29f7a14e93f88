// kmemreplay TRACE --events [--kind K,...] [--vaddr A[-B]] [--limit N]
// [--from T --to T] [--json].
#include "fuzz_trace.h"
#include "views.h"

using namespace kmr;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto events = [](std::vector<std::string> kinds, std::string vaddr, uint64_t limit,
                   std::string from = "start", std::string to = "end") {
    return [=](replayer::ViewContext& ctx) {
      replayer::EventsOptions e;
      e.enabled = true;
      e.kinds = kinds;
      e.vaddr = vaddr;
      e.limit = limit;
      replayer::runEvents(e, {from, to}, ctx);
    };
  };
  fuzz::runViews(
      data, size,
      {{false, events({}, "", 0)},
       {true, events({}, "", 500)},
       {false, events({"map", "unmap", "protect", "move", "grow", "lost", "exec", "gap"}, "", 0)},
       {true, events({"fault", "cow"}, "555555554000-7fffffffffff", 0, "10%", "90%")}});
  return 0;
}
