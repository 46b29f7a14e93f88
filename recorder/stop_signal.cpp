#include "stop_signal.h"

#include <signal.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace kmr::recorder {
namespace {

volatile sig_atomic_t g_signal = 0;
volatile sig_atomic_t g_requested = 0;
int g_fd = -1;
struct sigaction g_old[3];
constexpr int kSignals[3] = {SIGINT, SIGTERM, SIGHUP};
struct sigaction g_old_pipe;

void onSignal(int sig) {
  int saved = errno;
  if (!g_signal) g_signal = sig;
  g_requested = 1;
  uint64_t one = 1;
  if (::write(g_fd, &one, sizeof(one)) < 0) {
  }
  errno = saved;
}

}  // namespace

StopSignal::StopSignal() {
  g_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (g_fd < 0) throw std::runtime_error(std::string("eventfd: ") + std::strerror(errno));
  g_signal = 0;
  g_requested = 0;
  struct sigaction sa {};
  sa.sa_handler = onSignal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  for (int i = 0; i < 3; i++) ::sigaction(kSignals[i], &sa, &g_old[i]);
  // A closed stdout pipe must not kill the recorder before the file is done.
  struct sigaction ign {};
  ign.sa_handler = SIG_IGN;
  ::sigaction(SIGPIPE, &ign, &g_old_pipe);
}

StopSignal::~StopSignal() {
  for (int i = 0; i < 3; i++) ::sigaction(kSignals[i], &g_old[i], nullptr);
  ::sigaction(SIGPIPE, &g_old_pipe, nullptr);
  ::close(g_fd);
  g_fd = -1;
}

// The eventfd is never read: once set it stays readable, so every later
// poll() on it returns at once, which is what a stopping recorder wants.
bool StopSignal::requested() const { return g_requested != 0; }

int StopSignal::signal() const { return g_signal; }
int StopSignal::fd() const { return g_fd; }

void StopSignal::request() {
  g_requested = 1;
  uint64_t one = 1;
  if (::write(g_fd, &one, sizeof(one)) < 0) {
  }
}

}  // namespace kmr::recorder
