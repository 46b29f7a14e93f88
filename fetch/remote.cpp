#include "remote.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

namespace kmr::fetch {
namespace {

constexpr uint64_t kPage = 4096;

}  // namespace

const char* methodName(Method m) {
  switch (m) {
    case Method::Gup: return "gup";
    case Method::Walk: return "walk";
    case Method::Pread: return "pread";
  }
  return "?";
}

std::string hexAddr(uint64_t v) {
  char b[24];
  std::snprintf(b, sizeof(b), "0x%llx", static_cast<unsigned long long>(v));
  return b;
}

Remote::Remote(Device& dev, uint32_t pid, Method method, bool force)
    : dev_(dev), pid_(pid), method_(method), force_(force) {
  if (method_ == Method::Pread) {
    AttachParams p;
    p.pid = pid;
    p.ring_size = KMR_RING_SIZE_MIN;  // never started: keep the rings small
    p.event_mask = KMR_MASK_MEM_WRITE;
    dev_.attach(p);
  }
}

Access Remote::read(uint64_t addr, std::span<uint8_t> buf) {
  return rw(addr, buf.data(), buf.size(), false);
}

Access Remote::write(uint64_t addr, std::span<const uint8_t> buf) {
  return rw(addr, const_cast<uint8_t*>(buf.data()), buf.size(), true);
}

Access Remote::rw(uint64_t addr, uint8_t* buf, uint64_t len, bool write) {
  Access a;
  uint32_t flags = (write ? KMR_MEM_F_WRITE : 0) | (force_ ? KMR_MEM_F_FORCE : 0);
  while (a.done < len) {
    uint64_t at = addr + a.done, want = len - a.done, n = 0;
    if (method_ == Method::Walk) want = std::min(want, kPage - at % kPage);
    if (method_ == Method::Pread) {
      ssize_t r = write ? ::pwrite(dev_.fd(), buf + a.done, want, static_cast<off_t>(at))
                        : ::pread(dev_.fd(), buf + a.done, want, static_cast<off_t>(at));
      if (r < 0) {
        if (errno == EINTR) continue;
        a.err = errno;
        break;
      }
      n = static_cast<uint64_t>(r);
    } else {
      try {
        n = dev_.mem(pid_, method_ == Method::Walk ? KMR_MEM_WALK : KMR_MEM_GUP, flags, at,
                     buf + a.done, want);
      } catch (const DeviceError& e) {
        a.err = e.error();
        break;
      }
    }
    if (n == 0) {  // nothing copied and no errno: treat as a hole
      a.err = EFAULT;
      break;
    }
    a.done += n;
  }
  return a;
}

std::string explainAccessError(int err, uint32_t pid, uint64_t addr, bool write, Method m,
                               bool force) {
  std::string p = "process " + std::to_string(pid), at = hexAddr(addr);
  std::string verb = write ? "write" : "read";
  switch (err) {
    case EPERM:
    case EACCES:
      return "permission denied: not allowed to access the memory of " + p +
             " (kmemfetch needs the right to ptrace-attach to it: the same user and a dumpable "
             "process, or CAP_SYS_PTRACE)";
    case ESRCH:
      return "no such process: " + std::to_string(pid) +
             " (or it has no user memory: a kernel thread, or it is exiting)";
    case EFAULT:
      if (m == Method::Walk)
        return write ? "cannot write " + at + " in " + p +
                           ": no present, writable page-table entry there (walk mode never "
                           "faults a page in and never writes through a read-only entry, such "
                           "as a copy-on-write page after fork or a string literal; drop "
                           "--walk-only, and add --force for read-only memory)"
                     : "cannot read " + at + " in " + p +
                           ": not present in its page tables (walk mode never faults a page "
                           "in; drop --walk-only to fault it in)";
      if (write && !force)
        return "cannot write " + at + " in " + p +
               ": not mapped, or not writable (--force writes read-only memory such as code "
               "or string literals)";
      return "cannot " + verb + " " + at + " in " + p + ": address not mapped" +
             (write ? "" : " or not readable (--force reads PROT_NONE memory)");
    case EINVAL:
      return "the kmemrec module rejected the " + verb + " request at " + at + " in " + p +
             " (EINVAL: unknown mode or flags for this module version)";
    case ENOTTY:
      return "the loaded kmemrec module has no memory access (KMR_IOC_MEM unknown): load the "
             "module built from this source tree";
    case ENOMEM:
      return "the kernel is out of memory for this " + verb + " (try a shorter range)";
    case EIO:
      return "cannot " + verb + " " + at + " in " + p + ": I/O error bringing the page in";
    case EHWPOISON:
      return "cannot " + verb + " " + at + " in " + p + ": the page is poisoned (memory error)";
    default:
      return "cannot " + verb + " " + at + " in " + p + ": " + std::strerror(err);
  }
}

}  // namespace kmr::fetch
