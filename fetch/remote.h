// Reading and writing another process's memory through /dev/kmemrec.
//
// Three ways, one per kmemfetch mode:
//   Gup    KMR_IOC_MEM, KMR_MEM_GUP: the module calls get_user_pages_remote
//          (faults pages in, breaks CoW on write, --force = FOLL_FORCE).
//          Repeated until the range is done; each call covers what the
//          module takes at once (1024 pages read, 256 written).
//   Walk   KMR_IOC_MEM, KMR_MEM_WALK, one call per page: manual page-table
//          walk, no fault, never writes through a read-only entry.
//   Pread  attach a session to the target (not started: no events), then
//          pread/pwrite on the device fd at offset = address.
// A range that stops early (a hole, a page not present) is not an error
// here: the result says how far it got and why it stopped; the caller
// decides (kmemfetch prints what it read and a note).
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/device.h"

namespace kmr::fetch {

enum class Method { Gup, Walk, Pread };
const char* methodName(Method m);

struct Access {
  uint64_t done = 0;  // bytes copied from the start of the range
  int err = 0;        // errno that stopped it before the end, 0 if complete
};

class Remote {
 public:
  // @force: FOLL_FORCE (Gup only).  Pread attaches now (may throw
  // DeviceError: ESRCH, EPERM).
  Remote(Device& dev, uint32_t pid, Method method, bool force);

  Access read(uint64_t addr, std::span<uint8_t> buf);
  Access write(uint64_t addr, std::span<const uint8_t> buf);

  uint32_t pid() const { return pid_; }
  Method method() const { return method_; }

 private:
  Access rw(uint64_t addr, uint8_t* buf, uint64_t len, bool write);

  Device& dev_;
  uint32_t pid_;
  Method method_;
  bool force_;
};

// A sentence for a failed access of process @pid at @addr (errno @err),
// saying what to do about it.  @write: the access was a write.
std::string explainAccessError(int err, uint32_t pid, uint64_t addr, bool write, Method m,
                               bool force);

// "0x7ffc1000"
std::string hexAddr(uint64_t v);

}  // namespace kmr::fetch
