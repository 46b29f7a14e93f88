#include "launch.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <stdexcept>

#include <kmemrec/abi.h>

#include "own_memory.h"

namespace kmr::recorder {
namespace {

bool isExecutableFile(const std::string& p) {
  struct stat st;
  return ::stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(p.c_str(), X_OK) == 0;
}

}  // namespace

std::string resolveProgram(const std::string& prog) {
  if (prog.empty()) throw std::runtime_error("empty program name");
  if (prog.find('/') != std::string::npos) {
    if (!isExecutableFile(prog))
      throw std::runtime_error("cannot run '" + prog + "': " +
                               (::access(prog.c_str(), F_OK) ? std::strerror(errno)
                                                             : "not an executable file"));
    return prog;
  }
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/local/bin:/usr/bin:/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t colon = dirs.find(':', start);
    if (colon == std::string::npos) colon = dirs.size();
    std::string dir = dirs.substr(start, colon - start);
    std::string cand = (dir.empty() ? "." : dir) + "/" + prog;
    if (isExecutableFile(cand)) return cand;
    start = colon + 1;
  }
  throw std::runtime_error("cannot run '" + prog + "': not found in PATH");
}

LaunchedChild::LaunchedChild(const std::string& path, const std::vector<std::string>& argv) {
  int gate[2], err[2];
  if (::pipe2(gate, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (::pipe2(err, O_CLOEXEC) != 0) {
    int e = errno;
    ::close(gate[0]);
    ::close(gate[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(e));
  }
  // Everything the child needs is built before fork: no allocation after.
  const int thp_disable = inheritedThpDisable();
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = ::fork();
  if (pid < 0) {
    int e = errno;
    for (int fd : {gate[0], gate[1], err[0], err[1]}) ::close(fd);
    throw std::runtime_error(std::string("fork: ") + std::strerror(e));
  }
  if (pid == 0) {
    ::close(gate[1]);
    ::close(err[0]);
    // The program gets the default signal handling, not the recorder's.
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    ::signal(SIGPIPE, SIG_DFL);
    char b;
    ssize_t n;
    do {
      n = ::read(gate[0], &b, 1);
    } while (n < 0 && errno == EINTR);
    if (n != 1) ::_exit(127);  // the recorder went away: do not run untraced
    // THP as the recorder found it, not as it set it for itself.
    (void)::prctl(PR_SET_THP_DISABLE, thp_disable, 0, 0, 0);
    ::execv(path.c_str(), args.data());
    int e = errno;
    if (::write(err[1], &e, sizeof(e)) < 0) {
    }
    ::_exit(127);
  }
  ::close(gate[0]);
  ::close(err[1]);
  pid_ = pid;
  gate_ = gate[1];
  exec_err_ = err[0];
}

LaunchedChild::~LaunchedChild() {
  if (gate_ >= 0) ::close(gate_);
  if (exec_err_ >= 0) ::close(exec_err_);
  if (pid_ > 0 && !reaped_ && !released_) {
    // The gate is closed now, so it exits by itself; make sure and reap.
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, &status_, 0);
  }
}

void LaunchedChild::release() {
  released_ = true;
  char b = 'g';
  ssize_t n;
  do {
    n = ::write(gate_, &b, 1);
  } while (n < 0 && errno == EINTR);
  ::close(gate_);
  gate_ = -1;
  if (n != 1) throw std::runtime_error(std::string("starting the program: ") + std::strerror(errno));
  int e = 0;
  do {
    n = ::read(exec_err_, &e, sizeof(e));
  } while (n < 0 && errno == EINTR);
  ::close(exec_err_);
  exec_err_ = -1;
  if (n == sizeof(e)) throw std::runtime_error(std::string("exec failed: ") + std::strerror(e));
}

int LaunchedChild::wait() {
  if (!reaped_) {
    while (::waitpid(pid_, &status_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  return status_;
}

bool LaunchedChild::tryWait(int* status) {
  if (!reaped_ && ::waitpid(pid_, &status_, WNOHANG) == pid_) reaped_ = true;
  if (reaped_ && status) *status = status_;
  return reaped_;
}

std::string describeExitFlags(uint32_t flags) {
  if (flags & KMR_EXIT_F_EXEC_DENIED) {
    std::string why;
    auto add = [&why](const char* w) { why += std::string(why.empty() ? "" : ", ") + w; };
    if (flags & KMR_EXIT_F_SECUREEXEC) add("set-id, file capabilities or a security-module domain change");
    if (flags & KMR_EXIT_F_EXEC_CREDS) add("its ids or capabilities are not the recorder's");
    if (flags & KMR_EXIT_F_EXEC_NODUMP) add("it is not dumpable");
    return "exec'ed a program the recorder may not trace" + (why.empty() ? "" : " (" + why + ")") +
           ": the recording ends at that exec";
  }
  if (flags & KMR_EXIT_F_EXEC_UNFOLLOWED)
    return "exec'ed a program the module could not follow: the recording ends at that exec";
  return "";
}

}  // namespace kmr::recorder
