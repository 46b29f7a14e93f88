// Launch mode: a child that is forked now but runs its program only when
// released, so the recorder can attach to it and start the session first;
// the module follows the exec, so the new image is traced from its first
// instruction.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>

#include "base/abi_names.h"
#include <vector>

namespace kmr::recorder {

// Where execvp would find @prog (a name without '/' is searched in PATH).
// Throws std::runtime_error with a user-facing message when it cannot run.
std::string resolveProgram(const std::string& prog);

class LaunchedChild {
 public:
  // Forks.  The child waits at a gate until release(), then execs @path
  // with @argv.  If the recorder dies first, the child exits (127) instead.
  LaunchedChild(const std::string& path, const std::vector<std::string>& argv);
  LaunchedChild(const LaunchedChild&) = delete;
  LaunchedChild& operator=(const LaunchedChild&) = delete;
  // Kills and reaps a child that was never released; a released one is left
  // running (the recorder may stop before its target does).
  ~LaunchedChild();

  pid_t pid() const { return pid_; }
  // Opens the gate and waits until the exec happened; throws (with the
  // child's errno) when the exec failed.
  void release();
  // Reaps the child; returns its wait() status.
  int wait();
  // Non-blocking: true (and the status) once the child has ended.
  bool tryWait(int* status);

 private:
  pid_t pid_ = -1;
  int gate_ = -1;      // write end: one byte releases the child
  int exec_err_ = -1;  // read end: the child's errno if exec fails, EOF if it worked
  bool reaped_ = false;
  bool released_ = false;
  int status_ = 0;
};

// describeWaitStatus(status): base/abi_names.h.

// Why the module ended a session at an exec, from its EXIT record's flags
// (KMR_EXIT_F_*), or "" when the session did not end at an exec.
std::string describeExitFlags(uint32_t flags);

}  // namespace kmr::recorder
