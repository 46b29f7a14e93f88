// kmemrec's run function: one recording from start to finished file.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "options.h"
#include "session_device.h"

namespace kmr::recorder {

// Records as @o says; returns an ExitCode.  Throws for errors a user must
// see (kmemrec: error: ...); a trace already started is finished first, and
// no file is left when the recording never started.
int runRecord(const Options& o);

// The same with the device opened by @open_device(o.device) (tests pass a
// fake one).
using DeviceOpener = std::function<std::unique_ptr<SessionDevice>(const std::string& path)>;
int runRecord(const Options& o, const DeviceOpener& open_device);

// kmemrec -f (record_tree.cpp): the target and every process it creates,
// each a stream of one trace.  runRecord() calls it for o.follow.
int runRecordTree(const Options& o, const DeviceOpener& open_device);

}  // namespace kmr::recorder
