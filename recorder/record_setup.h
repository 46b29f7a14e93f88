// What a recording does before its drain loop, shared by the single-target
// recording (record.cpp) and the process tree (record_tree.cpp): the output
// file's life, choosing and attaching the target, the trace header.
#pragma once

#include <fcntl.h>
#include <sys/types.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

#include <cstdint>
#include <memory>
#include <string>

#include "kmr/header.h"
#include "launch.h"
#include "options.h"
#include "session_device.h"
#include "stop_signal.h"

namespace kmr::recorder {

// The output file: checked (created) before anything irreversible, and
// removed again on every way out before the recording started (an error,
// SIGINT/SIGTERM before START worked): a file that holds no recording must
// not look like a trace.  A recorder killed by SIGKILL cannot clean up;
// kmemreplay names that file's case instead.
class OutputFile {
 public:
  explicit OutputFile(const std::string& path) : path_(path) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) {
      ours_ = true;
    } else if (errno == EEXIST) {
      fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
    }
    if (fd < 0)
      throw std::runtime_error("cannot write the trace to " + path + ": " + std::strerror(errno));
    ::close(fd);
  }
  ~OutputFile() {
    if (ours_ && !keep_) ::unlink(path_.c_str());
  }
  // The trace writer is about to truncate it: what was there is gone, so
  // the file is ours to remove from now on.
  void overwriting() { ours_ = true; }
  // The recording started: the file stays, whatever happens next.
  void keep() { keep_ = true; }

 private:
  std::string path_;
  bool ours_ = false;
  bool keep_ = false;
};

std::string hostName();
// RssAnon of /proc/self/status, bytes.
uint64_t anonRss();
// The target: launched (@child set), found by --comm, or the pid given.
pid_t chooseTarget(const Options& o, StopSignal& stop, std::unique_ptr<LaunchedChild>* child);
// ATTACH: the session exists from here on, not yet started.  @flags:
// KMR_ATTACH_F_* beyond --lossless's (e.g. FOLLOW, checked by the caller).
void attachTarget(SessionDevice& dev, const Options& o, pid_t pid, const StopSignal& stop,
                  uint32_t flags = 0);
// What the trace says about itself: the machine, the target, the options.
TraceHeader makeHeader(const Options& o, SessionDevice& dev, pid_t pid, bool launched);

}  // namespace kmr::recorder
