// What one recording asks of /dev/kmemrec: attach and map, START, STOP,
// DETACH, STATS and poll() on one session.  record.cpp talks to this
// interface, not to Device, so that the whole recording (threads, stop
// protocol, file cleanup) runs in host tests against fake rings
// (fake_device.h); openSessionDevice() is the real one.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "base/device.h"

namespace kmr::recorder {

class SessionDevice {
 public:
  virtual ~SessionDevice() = default;

  virtual std::string kernelRelease() const = 0;
  // kmr_version.features (KMR_FEAT_*): what this module does.
  virtual uint64_t features() const = 0;
  // KMR_IOC_ATTACH, then the shared area is mapped: ctl() and ringData()
  // are valid from here on.  Throws DeviceError.
  virtual void attach(const AttachParams& p) = 0;
  virtual kmr_ctl* ctl() = 0;
  // Ring 0's data; ring i follows at i * ctl()->ring_size.
  virtual const uint8_t* ringData() = 0;
  // KMR_IOC_START / STOP / DETACH / STATS; throw DeviceError (error() is
  // the errno).
  virtual void start() = 0;
  virtual void stop() = 0;
  virtual void detach() = 0;
  // KMR_IOC_RELEASE (kmemrec -f): false when no such child is held.
  virtual bool release(uint32_t pid) = 0;
  virtual kmr_stats stats() = 0;
  // Device::poll: revents of the session (POLLIN, POLLHUP), 0 on timeout;
  // @extra_fd (the stop eventfd) is polled too.
  virtual short poll(int timeout_ms, int extra_fd, short* extra_revents) = 0;
};

// Opens @path (Device: checks the ABI version).  Throws DeviceError.
std::unique_ptr<SessionDevice> openSessionDevice(const std::string& path);

}  // namespace kmr::recorder
