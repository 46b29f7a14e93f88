#include "view_context.h"

namespace kmr::replayer {

Instant ViewContext::instant(const std::string& spec) const {
  return resolveTime(parseTimeSpec(spec), replay);
}

std::string ViewContext::rel(uint64_t mono_ns) const {
  return formatSeconds(static_cast<int64_t>(mono_ns - reader.startNs()));
}

std::string ViewContext::describe(const Instant& in) const {
  return rel(in.mono_ns) + " (mono:" + std::to_string(in.mono_ns) + "), after " +
         std::to_string(in.position) + (in.position == 1 ? " event" : " events");
}

}  // namespace kmr::replayer
