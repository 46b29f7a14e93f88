// What the recorder knows about its target process, from /proc.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace kmr::recorder {

// /proc/PID/comm without the newline ("" if gone).
std::string procComm(pid_t pid);
// /proc/PID/cmdline split at NULs (empty if gone or a kernel thread).
std::vector<std::string> procCmdline(pid_t pid);
// The executable, /proc/PID/exe ("" if gone or not readable).
std::string procExe(pid_t pid);
// The thread group id of any thread id (0 if there is no such task).
pid_t procTgid(pid_t tid);
// The parent's pid (0 if gone).
uint32_t procPpid(pid_t pid);

}  // namespace kmr::recorder
