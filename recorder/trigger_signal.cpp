#include "trigger_signal.h"

#include <signal.h>

#include <atomic>

namespace kmr::recorder {
namespace {

// Lock-free on every Linux target, so safe to touch in a handler.
std::atomic<uint64_t> g_count{0};
static_assert(std::atomic<uint64_t>::is_always_lock_free);
struct sigaction g_old;

void onUsr1(int) { g_count.fetch_add(1, std::memory_order_relaxed); }

}  // namespace

TriggerSignal::TriggerSignal() {
  g_count.store(0);
  struct sigaction sa {};
  sa.sa_handler = onUsr1;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  ::sigaction(SIGUSR1, &sa, &g_old);
}

TriggerSignal::~TriggerSignal() { ::sigaction(SIGUSR1, &g_old, nullptr); }

uint64_t TriggerSignal::count() const { return g_count.load(std::memory_order_relaxed); }

}  // namespace kmr::recorder
