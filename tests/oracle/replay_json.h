// kmemreplay --at T --json output -> TraceState.
#pragma once

#include <string>

#include <kmemrec/abi.h>

#include "trace_view.h"

namespace kmr::oracle {

// Throws std::runtime_error on JSON that is not kmemreplay's state shape.
TraceState parseReplayJson(const std::string& text);

}  // namespace kmr::oracle
