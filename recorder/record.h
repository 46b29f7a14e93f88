// kmemrec's run function: one recording from start to finished file.
#pragma once

#include "options.h"

namespace kmr::rec {

// Records as @o says; returns an ExitCode.  Throws for errors a user must
// see (kmemrec: error: ...); a trace already started is finished first.
int runRecord(const Options& o);

}  // namespace kmr::rec
