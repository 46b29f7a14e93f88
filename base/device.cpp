// The only userspace file that calls ioctl() on /dev/kmemrec.
#include "base/device.h"

#include <fcntl.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <utility>

namespace kmr {

Mapping::Mapping(Mapping&& o) noexcept
    : addr_(std::exchange(o.addr_, nullptr)), len_(std::exchange(o.len_, 0)) {}

Mapping& Mapping::operator=(Mapping&& o) noexcept {
  if (this != &o) {
    if (addr_) munmap(addr_, len_);
    addr_ = std::exchange(o.addr_, nullptr);
    len_ = std::exchange(o.len_, 0);
  }
  return *this;
}

Mapping::~Mapping() {
  if (addr_) munmap(addr_, len_);
}

const uint8_t* SharedArea::ring_data(uint32_t i) const {
  return static_cast<const uint8_t*>(data.data()) + i * ctl()->ring_size;
}

std::string explainOpenError(const std::string& path, int err) {
  struct stat st;
  switch (err) {
    case ENOENT:
      if (stat("/sys/module/kmemrec", &st) == 0)
        return path + " does not exist although the kmemrec module is loaded "
                      "(is devtmpfs mounted on /dev?)";
      return "the kmemrec module is not loaded: load it with `insmod kernel/kmemrec.ko` "
             "(or `modprobe kmemrec` when installed with DKMS), then retry";
    case EACCES:
    case EPERM:
      return "permission denied opening " + path +
             ": the device is root-only (mode 0600); run kmemrec as root";
    case ENXIO:
    case ENODEV:
      return path + " exists but no driver answers: reload the kmemrec module";
    default:
      return "cannot open " + path + ": " + std::strerror(err);
  }
}

const char* doctorHint(const DeviceError& e) {
  switch (e.error()) {
    case ESRCH:
    case EINVAL:
    case EFAULT:
    case EBUSY:
    case EINTR:
      return "";
    default:
      return "Run `kmemrec doctor` to check what recording needs on this machine.\n";
  }
}

Device::Device(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd_ < 0) throw DeviceError(errno, explainOpenError(path, errno));
  if (::ioctl(fd_, KMR_IOC_VERSION, &version_) != 0) {
    int err = errno;
    ::close(fd_);
    fd_ = -1;
    if (err == ENOTTY)
      throw DeviceError(err, path + " is not a kmemrec device (KMR_IOC_VERSION unknown)");
    throw DeviceError(err, "KMR_IOC_VERSION on " + path + ": " + std::strerror(err));
  }
  if (version_.abi_version != KMR_ABI_VERSION) {
    ::close(fd_);
    fd_ = -1;
    throw DeviceError(0, "ABI version mismatch: the loaded kmemrec module speaks version " +
                             std::to_string(version_.abi_version) + ", this program version " +
                             std::to_string(KMR_ABI_VERSION) +
                             "; load the module built from the same source tree");
  }
  version_.kernel_release[sizeof(version_.kernel_release) - 1] = 0;
}

Device::Device(Device&& o) noexcept
    : fd_(std::exchange(o.fd_, -1)), path_(std::move(o.path_)), version_(o.version_) {}

Device::~Device() {
  if (fd_ >= 0) ::close(fd_);
}

void Device::ioctlOrThrow(unsigned long request, void* arg, const char* what) {
  int r;
  do {
    r = ::ioctl(fd_, request, arg);
  } while (r != 0 && errno == EINTR);
  if (r != 0) throw DeviceError(errno, std::string(what) + ": " + std::strerror(errno));
}

kmr_attach Device::attach(const AttachParams& p) {
  kmr_attach a{};
  a.pid = p.pid;
  a.start = p.start;
  a.end = p.end;
  a.event_mask = p.event_mask;
  a.ring_size = p.ring_size;
  a.watermark = p.watermark;
  a.flags = p.flags;
  if (::ioctl(fd_, KMR_IOC_ATTACH, &a) == 0) return a;
  int err = errno;
  std::string pid = std::to_string(p.pid);
  switch (err) {
    case ESRCH:
      throw DeviceError(err, "no such process: " + pid);
    case EPERM:
    case EACCES:
      throw DeviceError(err, "permission denied: not allowed to trace process " + pid +
                                 " (kmemrec needs the right to ptrace-attach to it)");
    case EINVAL:
      throw DeviceError(err, "the module rejected the attach request for process " + pid +
                                 " (traced range, event mask or ring size)");
    case EBUSY:
      throw DeviceError(err, "this device file already has a session");
    case EDEADLK:
      throw DeviceError(err, "--lossless cannot record the recorder itself (it would wait "
                             "for itself)");
    case ENOMEM:
      throw DeviceError(err, "the module could not allocate the rings: not enough memory "
                             "for this process (its memory cgroup's limit) or the machine "
                             "(try a smaller --buffer-size)");
    case EOPNOTSUPP:
      throw DeviceError(err, "the module cannot hook this kernel: a function it hooks is "
                             "missing or was compiled into a clone (the kernel log says "
                             "which: dmesg | grep kmemrec)");
    case ENOSPC:
      throw DeviceError(err, "the rings would pass the module's cap on ring memory for all "
                             "sessions together (try a smaller --buffer-size, end other "
                             "sessions, or raise /sys/module/kmemrec/parameters/"
                             "ring_mem_max_mb)");
    default:
      throw DeviceError(err, "attach to process " + pid + ": " + std::strerror(err));
  }
}

SharedArea Device::map(const kmr_attach& g) {
  SharedArea area;
  void* ctl = ::mmap(nullptr, g.ctl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd_, 0);
  if (ctl == MAP_FAILED)
    throw DeviceError(errno, std::string("mmap of the control area: ") + std::strerror(errno));
  area.control = Mapping(ctl, g.ctl_size);
  uint64_t data_len = g.mmap_size - g.ctl_size;
  void* data = ::mmap(nullptr, data_len, PROT_READ, MAP_SHARED, fd_, (off_t)g.ctl_size);
  if (data == MAP_FAILED)
    throw DeviceError(errno, std::string("mmap of the rings: ") + std::strerror(errno));
  area.data = Mapping(data, data_len);
  const kmr_ctl* c = area.ctl();
  if (c->abi_version != KMR_ABI_VERSION || c->nr_rings != g.nr_rings ||
      c->data_offset != g.ctl_size || c->ring_size == 0 ||
      (c->ring_size & (c->ring_size - 1)) != 0 || c->nr_rings * c->ring_size != data_len ||
      offsetof(kmr_ctl, ring) + c->nr_rings * sizeof(kmr_ring_ctl) > g.ctl_size)
    throw DeviceError(EPROTO, "the module's control area does not match its attach reply");
  return area;
}

void Device::start() { ioctlOrThrow(KMR_IOC_START, nullptr, "start"); }
void Device::stop() { ioctlOrThrow(KMR_IOC_STOP, nullptr, "stop"); }
void Device::detach() { ioctlOrThrow(KMR_IOC_DETACH, nullptr, "detach"); }

bool Device::release(uint32_t pid) {
  kmr_release r{};
  r.pid = pid;
  int rc;
  do {
    rc = ::ioctl(fd_, KMR_IOC_RELEASE, &r);
  } while (rc != 0 && errno == EINTR);
  if (rc == 0) return true;
  if (errno == ENOENT) return false;
  throw DeviceError(errno, std::string("release: ") + std::strerror(errno));
}

kmr_stats Device::stats(std::vector<kmr_vma_stat>* per_vma) {
  kmr_stats s{};
  if (!per_vma) {
    ioctlOrThrow(KMR_IOC_STATS, &s, "stats");
    return s;
  }
  per_vma->resize(64);
  for (;;) {
    s = kmr_stats{};
    s.vma_buf = reinterpret_cast<uintptr_t>(per_vma->data());
    s.vma_cap = static_cast<uint32_t>(per_vma->size());
    ioctlOrThrow(KMR_IOC_STATS, &s, "stats");
    if (s.vma_count <= s.vma_cap) {
      per_vma->resize(s.vma_count);
      return s;
    }
    per_vma->resize(s.vma_count + 16);
  }
}

kmr_walk Device::walk(uint32_t pid, uint64_t vaddr) {
  kmr_walk w{};
  w.pid = pid;
  w.vaddr = vaddr;
  ioctlOrThrow(KMR_IOC_WALK, &w, "page-table walk");
  return w;
}

uint64_t Device::mem(uint32_t pid, uint32_t mode, uint32_t flags, uint64_t addr, void* buf,
                     uint64_t len) {
  kmr_mem m{};
  m.pid = pid;
  m.mode = mode;
  m.flags = flags;
  m.addr = addr;
  m.buf = reinterpret_cast<uintptr_t>(buf);
  m.len = len;
  ioctlOrThrow(KMR_IOC_MEM, &m, (flags & KMR_MEM_F_WRITE) ? "memory write" : "memory read");
  return m.done;
}

void Device::page(uint64_t vaddr, uint64_t pfn, void* buf, uint64_t len) {
  kmr_page p{};
  p.vaddr = vaddr;
  p.pfn = pfn;
  p.buf = reinterpret_cast<uintptr_t>(buf);
  p.len = len;
  ioctlOrThrow(KMR_IOC_PAGE, &p, "page copy");
}

short Device::poll(int timeout_ms, int extra_fd, short* extra_revents) {
  pollfd p[2] = {{fd_, POLLIN, 0}, {extra_fd, POLLIN, 0}};
  int n = ::poll(p, extra_fd >= 0 ? 2 : 1, timeout_ms);
  if (n < 0) {
    if (errno == EINTR) return 0;
    throw DeviceError(errno, std::string("poll: ") + std::strerror(errno));
  }
  if (extra_revents) *extra_revents = extra_fd >= 0 ? p[1].revents : 0;
  return p[0].revents;
}

}  // namespace kmr
