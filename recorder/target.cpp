#include "target.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kmr::recorder {
namespace {

std::string readAll(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return {};
  std::string s;
  char buf[4096];
  ssize_t n;
  while ((n = ::read(fd, buf, sizeof(buf))) > 0) s.append(buf, size_t(n));
  ::close(fd);
  return s;
}

// A numeric field ("Tgid", "PPid") of /proc/ID/status, 0 if there is none.
// /proc/TID/status works for any thread id, listed or not.
unsigned long statusField(pid_t id, const char* name) {
  std::string s = readAll("/proc/" + std::to_string(id) + "/status");
  std::string key = std::string("\n") + name + ":";
  size_t at = s.find(key);
  if (at == std::string::npos) return 0;
  return std::strtoul(s.c_str() + at + key.size(), nullptr, 10);
}

}  // namespace

std::string procComm(pid_t pid) {
  std::string s = readAll("/proc/" + std::to_string(pid) + "/comm");
  if (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

std::vector<std::string> procCmdline(pid_t pid) {
  std::string s = readAll("/proc/" + std::to_string(pid) + "/cmdline");
  std::vector<std::string> args;
  size_t start = 0;
  while (start < s.size()) {
    size_t nul = s.find('\0', start);
    if (nul == std::string::npos) nul = s.size();
    args.push_back(s.substr(start, nul - start));
    start = nul + 1;
  }
  return args;
}

std::string procExe(pid_t pid) {
  char buf[4096];
  std::string link = "/proc/" + std::to_string(pid) + "/exe";
  ssize_t n = ::readlink(link.c_str(), buf, sizeof(buf) - 1);
  return n > 0 ? std::string(buf, size_t(n)) : std::string();
}

pid_t procTgid(pid_t tid) { return pid_t(statusField(tid, "Tgid")); }

uint32_t procPpid(pid_t pid) { return uint32_t(statusField(pid, "PPid")); }

}  // namespace kmr::recorder
