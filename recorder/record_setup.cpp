#include "record_setup.h"

#include <sys/utsname.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <optional>
#include <stdexcept>

#include "base/clock.h"
#include "base/version.h"
#include "comm_wait.h"
#include "target.h"

namespace kmr::recorder {

std::string hostName() {
  utsname u;
  return ::uname(&u) == 0 ? u.nodename : "";
}

uint64_t anonRss() {
  FILE* f = std::fopen("/proc/self/status", "re");
  if (!f) return 0;
  char line[256];
  unsigned long long kb = 0;
  while (std::fgets(line, sizeof(line), f))
    if (std::sscanf(line, "RssAnon: %llu kB", &kb) == 1) break;
  std::fclose(f);
  return kb * 1024;
}

pid_t chooseTarget(const Options& o, StopSignal& stop, std::unique_ptr<LaunchedChild>* child) {
  if (!o.command.empty()) {
    std::string path = resolveProgram(o.command[0]);
    *child = std::make_unique<LaunchedChild>(path, o.command);
    return (*child)->pid();
  }
  if (!o.comm.empty()) {
    if (!o.quiet) std::fprintf(stderr, "kmemrec: waiting for a process named '%s'...\n", o.comm.c_str());
    std::optional<pid_t> p = waitForComm(o.comm, uint64_t(o.comm_timeout_s * 1e9), stop.fd());
    if (!p) {
      if (stop.requested()) throw std::runtime_error("interrupted while waiting for '" + o.comm + "'");
      throw std::runtime_error("no process named '" + o.comm + "' appeared within the --comm-timeout");
    }
    return *p;
  }
  pid_t tgid = procTgid(pid_t(*o.pid));
  if (!tgid) throw DeviceError(ESRCH, "no such process: " + std::to_string(*o.pid));
  return tgid;
}

void attachTarget(SessionDevice& dev, const Options& o, pid_t pid, const StopSignal& stop,
                  uint32_t flags) {
  AttachParams ap;
  ap.pid = uint32_t(pid);
  ap.start = o.range_start;
  ap.end = o.range_end;
  ap.event_mask = o.event_mask;
  ap.ring_size = o.buffer_size;
  ap.flags = flags;
  if (o.lossless) {
    if (!(dev.features() & KMR_FEAT_LOSSLESS))
      throw std::runtime_error(
          "this module does not support --lossless: rebuild/reload it (the loaded kmemrec.ko "
          "is older than this kmemrec; `kmemrec doctor` says which one is loaded)");
    ap.flags |= KMR_ATTACH_F_LOSSLESS;
  }
  try {
    dev.attach(ap);
  } catch (const DeviceError& e) {
    if (e.error() == EINTR && stop.requested())
      throw std::runtime_error("interrupted before the recording started");
    throw;
  }
}

TraceHeader makeHeader(const Options& o, SessionDevice& dev, pid_t pid, bool launched) {
  TraceHeader h;
  h.abi_version = KMR_ABI_VERSION;
  h.kernel_release = dev.kernelRelease();
  h.host = hostName();
  h.pid = uint32_t(pid);
  if (launched) {
    std::string base = o.command[0].substr(o.command[0].rfind('/') + 1);
    h.comm = base.substr(0, 15);  // what the kernel will call it after exec
    h.cmdline = o.command;
  } else {
    h.comm = procComm(pid);
    h.cmdline = procCmdline(pid);
  }
  h.page_size = uint32_t(::sysconf(_SC_PAGESIZE));
  h.range_start = o.range_start;
  h.range_end = o.range_end;
  h.recorder_options = o.commandLine;
  h.recorder = std::string("kmemrec ") + kVersion;
  h.event_mask = o.event_mask ? o.event_mask : KMR_MASK_ALL;
  h.pfns_hidden = dev.features() & KMR_FEAT_PFN_HIDDEN;
  h.start_mono_ns = monotonicNs();
  h.start_real_ns = realtimeNs();
  return h;
}

}  // namespace kmr::recorder
