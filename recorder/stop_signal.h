// SIGINT/SIGTERM (and SIGHUP) as a stop request: a flag to test and an
// eventfd to poll, set from an async-signal-safe handler.  One per process.
#pragma once

namespace kmr::recorder {

class StopSignal {
 public:
  // Installs the handlers (and ignores SIGPIPE); restores the previous ones
  // on destruction.
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  bool requested() const;
  int signal() const;  // the signal that asked (0: none)
  int fd() const;      // readable once a stop was requested
  // Ask programmatically (e.g. --duration).
  void request();
};

}  // namespace kmr::recorder
