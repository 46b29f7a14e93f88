#include "comm_wait.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/cn_proc.h>
#include <linux/connector.h>
#include <linux/netlink.h>
#include <poll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <algorithm>

#include "base/clock.h"

namespace kmr::recorder {
namespace {

// Reads a small /proc file into @buf; false if it is gone.
bool readSmall(const char* path, char* buf, size_t cap, size_t* len) {
  int fd = ::open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  ssize_t n = ::read(fd, buf, cap - 1);
  ::close(fd);
  if (n < 0) return false;
  buf[n] = 0;
  *len = size_t(n);
  return true;
}

bool commIs(pid_t pid, const std::string& comm) {
  char path[64], buf[64];
  size_t len;
  std::snprintf(path, sizeof(path), "/proc/%d/comm", int(pid));
  if (!readSmall(path, buf, sizeof(buf), &len)) return false;
  if (len && buf[len - 1] == '\n') buf[--len] = 0;
  return comm == buf;
}

// Field 22 of /proc/PID/stat: start time in clock ticks.
uint64_t startTime(pid_t pid) {
  char path[64], buf[1024];
  size_t len;
  std::snprintf(path, sizeof(path), "/proc/%d/stat", int(pid));
  if (!readSmall(path, buf, sizeof(buf), &len)) return 0;
  const char* p = std::strrchr(buf, ')');  // comm may hold spaces
  if (!p) return 0;
  for (int field = 2; field < 22 && *p; p++)
    if (*p == ' ') field++;
  return std::strtoull(p, nullptr, 10);
}

// The process-event connector, or -1 when not allowed / not built in.
int openConnector() {
  int s = ::socket(PF_NETLINK, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_CONNECTOR);
  if (s < 0) return -1;
  sockaddr_nl sa{};
  sa.nl_family = AF_NETLINK;
  sa.nl_groups = CN_IDX_PROC;
  sa.nl_pid = 0;  // let the kernel choose
  if (::bind(s, reinterpret_cast<sockaddr*>(&sa), sizeof(sa)) != 0) {
    ::close(s);
    return -1;
  }
  // nlmsghdr, cn_msg (its data[] is the op), the op.
  alignas(nlmsghdr) char msg[NLMSG_SPACE(sizeof(cn_msg) + sizeof(proc_cn_mcast_op))] = {};
  auto* nl = reinterpret_cast<nlmsghdr*>(msg);
  nl->nlmsg_len = NLMSG_LENGTH(sizeof(cn_msg) + sizeof(proc_cn_mcast_op));
  nl->nlmsg_type = NLMSG_DONE;
  auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
  cn->id.idx = CN_IDX_PROC;
  cn->id.val = CN_VAL_PROC;
  cn->len = sizeof(proc_cn_mcast_op);
  proc_cn_mcast_op op = PROC_CN_MCAST_LISTEN;
  std::memcpy(cn->data, &op, sizeof(op));
  if (::send(s, msg, nl->nlmsg_len, 0) != ssize_t(nl->nlmsg_len)) {
    ::close(s);
    return -1;
  }
  return s;
}

// Drains the connector into @out: every process an exec or a rename, and
// with @forks a fork (the child inherits the name), may have given the
// name @comm.  EAGAIN ends it (drained); so does ENOBUFS (lost messages:
// the callers' /proc scans cover those).
void readConnector(int s, const std::string& comm, bool forks, std::vector<pid_t>& out) {
  alignas(nlmsghdr) char buf[8192];
  for (;;) {
    ssize_t n = ::recv(s, buf, sizeof(buf), 0);
    if (n <= 0) return;
    for (auto* nl = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nl, size_t(n));
         nl = NLMSG_NEXT(nl, n)) {
      auto* cn = static_cast<cn_msg*>(NLMSG_DATA(nl));
      if (cn->id.idx != CN_IDX_PROC || cn->id.val != CN_VAL_PROC) continue;
      auto* ev = reinterpret_cast<proc_event*>(cn->data);
      pid_t tgid = 0;
      if (ev->what == proc_event::PROC_EVENT_EXEC)
        tgid = ev->event_data.exec.process_tgid;
      else if (ev->what == proc_event::PROC_EVENT_COMM)
        tgid = ev->event_data.comm.process_tgid;
      else if (forks && ev->what == proc_event::PROC_EVENT_FORK &&
               ev->event_data.fork.child_pid == ev->event_data.fork.child_tgid)
        tgid = ev->event_data.fork.child_tgid;  // a new process, not a thread
      if (tgid > 0 && tgid != ::getpid() && commIs(tgid, comm)) out.push_back(tgid);
    }
  }
}

// Calls f(pid) for every process in /proc named @comm, the caller excepted.
template <class F>
void forEachProcessNamed(const std::string& comm, F&& f) {
  DIR* d = ::opendir("/proc");
  if (!d) return;
  while (dirent* e = ::readdir(d)) {
    char* end;
    long pid = std::strtol(e->d_name, &end, 10);
    if (*end || pid <= 0 || pid == ::getpid()) continue;
    if (commIs(pid_t(pid), comm)) f(pid_t(pid));
  }
  ::closedir(d);
}

}  // namespace

CommWatcher::CommWatcher(std::string comm) : comm_(std::move(comm)) {
  // Listen before the first scan, so a process starting in between is not
  // missed.
  cn_ = openConnector();
}

CommWatcher::~CommWatcher() {
  if (cn_ >= 0) ::close(cn_);
}

bool CommWatcher::fresh(pid_t pid) {
  uint64_t st = startTime(pid);
  if (!st) return false;  // gone already
  return seen_.insert({pid, st}).second;
}

void CommWatcher::seen(pid_t pid) { fresh(pid); }

void CommWatcher::scan(std::vector<pid_t>& out) {
  last_scan_ns_ = monotonicNs();
  forEachProcessNamed(comm_, [&](pid_t pid) { out.push_back(pid); });
}

std::vector<pid_t> CommWatcher::poll(int wait_ms, int stop_fd) {
  std::vector<pid_t> found, out;
  const uint64_t rescan_ns = cn_ >= 0 ? 1'000'000'000 : 10'000'000;
  if (!last_scan_ns_) scan(found);
  if (found.empty()) {
    pollfd p[2] = {{stop_fd, POLLIN, 0}, {cn_, POLLIN, 0}};
    int r = ::poll(p, cn_ >= 0 ? 2 : 1, cn_ >= 0 ? wait_ms : std::min(wait_ms, 10));
    if (r > 0 && p[0].revents) return out;
    if (cn_ >= 0 && r > 0 && (p[1].revents & POLLIN)) readConnector(cn_, comm_, true, found);
    if (monotonicNs() - last_scan_ns_ >= rescan_ns) scan(found);
  }
  for (pid_t pid : found)
    if (fresh(pid)) out.push_back(pid);
  return out;
}

std::optional<pid_t> findProcessByComm(const std::string& comm) {
  std::optional<pid_t> best;
  uint64_t best_start = 0;
  forEachProcessNamed(comm, [&](pid_t pid) {
    uint64_t st = startTime(pid);
    if (!best || st >= best_start) {
      best = pid;
      best_start = st;
    }
  });
  return best;
}

std::optional<pid_t> waitForComm(const std::string& comm, uint64_t timeout_ns, int stop_fd) {
  // Listen before scanning, so a process starting in between is not missed.
  int cn = openConnector();
  uint64_t deadline = timeout_ns ? monotonicNs() + timeout_ns : 0;
  std::optional<pid_t> found = findProcessByComm(comm);
  while (!found) {
    int wait_ms = cn >= 0 ? 200 : 10;
    if (deadline) {
      uint64_t now = monotonicNs();
      if (now >= deadline) break;
      uint64_t left_ms = (deadline - now) / 1'000'000 + 1;
      if (left_ms < uint64_t(wait_ms)) wait_ms = int(left_ms);
    }
    pollfd p[2] = {{stop_fd, POLLIN, 0}, {cn, POLLIN, 0}};
    int r = ::poll(p, cn >= 0 ? 2 : 1, wait_ms);
    if (r < 0 && errno != EINTR) break;
    if (p[0].revents) break;
    if (cn >= 0 && (p[1].revents & POLLIN)) {
      std::vector<pid_t> named;
      readConnector(cn, comm, false, named);
      if (!named.empty()) found = named.front();
    }
    // A periodic scan also covers lost connector messages (ENOBUFS) and
    // processes that were renamed without an event.
    if (!found && (cn < 0 || r == 0)) found = findProcessByComm(comm);
  }
  if (cn >= 0) ::close(cn);
  return found;
}

}  // namespace kmr::recorder
