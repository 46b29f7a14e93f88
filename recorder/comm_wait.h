// --comm NAME: find a process by name, waiting for it to start.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

namespace kmr::recorder {

// A running process (thread group leader) whose /proc/PID/comm is @comm,
// other than the caller; the newest (highest start time) if several.
std::optional<pid_t> findProcessByComm(const std::string& comm);

// Waits until a process named @comm exists and returns its pid.  New
// processes are seen through the kernel's process-event connector (exec and
// comm changes, immediately) when the caller may use it (CAP_NET_ADMIN),
// else by scanning /proc every 10 ms.  Returns nullopt when @timeout_ns
// (0 = none) passes or @stop_fd becomes readable (a signal).
std::optional<pid_t> waitForComm(const std::string& comm, uint64_t timeout_ns, int stop_fd);

}  // namespace kmr::recorder
