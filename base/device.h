// The /dev/kmemrec device: the only userspace code that calls ioctl() on it.
//
// One Device is one open file, so at most one session.  Errors are thrown as
// DeviceError with a message a user understands ("the kmemrec module is not
// loaded: ..."), plus the errno for callers that need to tell cases apart.
// Used by kmemrec (recorder/) and kmemfetch (fetch/) through the base
// library (base/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <stdexcept>
#include <vector>

#include <kmemrec/abi.h>

namespace kmr {

class DeviceError : public std::runtime_error {
 public:
  DeviceError(int err, const std::string& what) : std::runtime_error(what), errno_(err) {}
  // The errno behind the failure (0 for a version mismatch).
  int error() const { return errno_; }

 private:
  int errno_;
};

// A memory mapping, unmapped on destruction.
class Mapping {
 public:
  Mapping() = default;
  Mapping(void* addr, size_t len) : addr_(addr), len_(len) {}
  Mapping(Mapping&& o) noexcept;
  Mapping& operator=(Mapping&& o) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  ~Mapping();

  void* data() const { return addr_; }
  size_t size() const { return len_; }

 private:
  void* addr_ = nullptr;
  size_t len_ = 0;
};

struct AttachParams {
  uint32_t pid = 0;
  uint64_t start = 0;  // traced range [start, end); 0, 0 = everything
  uint64_t end = 0;
  uint64_t event_mask = 0;  // KMR_MASK_*; 0 = all
  uint64_t ring_size = 0;   // bytes per CPU ring; 0 = module default
  uint64_t watermark = 0;   // 0 = ring_size / 4
  uint32_t flags = 0;       // KMR_ATTACH_F_* (LOSSLESS needs KMR_FEAT_LOSSLESS)
};

// The attached session's shared area: control RW, rings RO.
struct SharedArea {
  Mapping control;  // struct kmr_ctl, ctl_size bytes
  Mapping data;     // nr_rings * ring_size bytes, read-only
  kmr_ctl* ctl() const { return static_cast<kmr_ctl*>(control.data()); }
  const uint8_t* ring_data(uint32_t i) const;
};

class Device {
 public:
  static constexpr const char* kDefaultPath = "/dev/" KMR_DEVICE_NAME;

  // Opens the device O_RDWR | O_CLOEXEC (the traced child must not inherit
  // it) and checks the module's ABI version.
  explicit Device(const std::string& path = kDefaultPath);
  Device(Device&& o) noexcept;
  Device& operator=(Device&&) = delete;
  Device(const Device&) = delete;
  ~Device();  // closing detaches any session

  int fd() const { return fd_; }
  const kmr_version& version() const { return version_; }

  // KMR_IOC_ATTACH; fills geometry (nr_rings, ctl_size, mmap_size).
  kmr_attach attach(const AttachParams& p);
  // Maps the control area read-write and the rings read-only.
  SharedArea map(const kmr_attach& geometry);
  void start();
  void stop();
  void detach();
  // KMR_IOC_RELEASE: let a child the session holds (KMR_FORK_F_HELD) run.
  // False when the session holds no such child (ENOENT).
  bool release(uint32_t pid);

  // KMR_IOC_STATS; with @per_vma, also the per-VMA counters (resized to
  // what the target has, retrying while it grows).
  kmr_stats stats(std::vector<kmr_vma_stat>* per_vma = nullptr);

  // KMR_IOC_WALK of @vaddr in @pid (0 = the attached target).
  kmr_walk walk(uint32_t pid, uint64_t vaddr);
  // KMR_IOC_MEM: returns the bytes copied.  @flags: KMR_MEM_F_*.
  uint64_t mem(uint32_t pid, uint32_t mode, uint32_t flags, uint64_t addr, void* buf,
               uint64_t len);
  // KMR_IOC_PAGE: copies the page at @vaddr if it is mapped to @pfn.
  void page(uint64_t vaddr, uint64_t pfn, void* buf, uint64_t len);

  // poll(): returns revents (POLLIN, POLLHUP), 0 on timeout.
  short poll(int timeout_ms, int extra_fd = -1, short* extra_revents = nullptr);

 private:
  void ioctlOrThrow(unsigned long request, void* arg, const char* what);

  int fd_ = -1;
  std::string path_;
  kmr_version version_{};
};

// The line kmemrec and kmemfetch print after a DeviceError about the
// machine (module missing or refused, ABI, access, hooks, ring memory):
// `kmemrec doctor` checks all of that at once.  "" for errors about the
// request itself (no such process, bad address, interrupted).
const char* doctorHint(const DeviceError& e);

// A user-facing explanation of why opening @path failed with @err.
std::string explainOpenError(const std::string& path, int err);

}  // namespace kmr
