// --comm NAME: find a process by name, waiting for it to start.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <set>
#include <utility>
#include <vector>
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

// Every process named @comm, those running and those that appear later
// (kmemrec --comm): an exec or rename to the name, or a fork of a process
// of that name, through the process-event connector, and a scan of /proc
// every @rescan_ms (lost connector messages; no connector without
// CAP_NET_ADMIN: then the scan alone, at 10 ms).  Each process is
// reported once (pid and start time, so a reused pid is new again).
class CommWatcher {
 public:
  explicit CommWatcher(std::string comm);
  ~CommWatcher();
  CommWatcher(const CommWatcher&) = delete;
  CommWatcher& operator=(const CommWatcher&) = delete;

  // Marks @pid as reported (the first process, found by waitForComm).
  void seen(pid_t pid);
  // New processes of the name since the last call, waiting at most
  // @wait_ms for one (returns early, empty, when @stop_fd is readable).
  std::vector<pid_t> poll(int wait_ms, int stop_fd);
  bool usesConnector() const { return cn_ >= 0; }

 private:
  bool fresh(pid_t pid);
  void scan(std::vector<pid_t>& out);

  std::string comm_;
  int cn_ = -1;
  uint64_t last_scan_ns_ = 0;
  std::set<std::pair<pid_t, uint64_t>> seen_;  // pid, start time
};

}  // namespace kmr::recorder
