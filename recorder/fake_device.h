// Test support: a SessionDevice over FakeRings that behaves like the module
// where the recorder can tell (abi.h, kernel/session.c): START emits a
// snapshot, STOP before START (or after a START that failed) is EINVAL,
// STOP during START makes it give up with EINTR.  Each call can be replaced
// by a script (the on_* hooks) to put the calls in an exact order, e.g.
// "STOP answers before START returns".  It tests the recorder, not the
// kernel.
#pragma once

#include <poll.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <condition_variable>
#include <functional>
#include <mutex>
#include <string>
#include <vector>

#include "fake_rings.h"
#include "session_device.h"

namespace kmr::recorder::test {

class FakeDevice : public SessionDevice {
 public:
  explicit FakeDevice(unsigned nr_rings = 2, uint64_t ring_size = 64 << 10)
      : rings_(nr_rings, ring_size) {}

  // Scripts: when set, they run instead of the default behaviour.
  std::function<void(FakeDevice&)> on_attach, on_start, on_stop;
  // Set by poll() callers to make the fake's poll fail (errno).
  std::atomic<int> poll_error{0};

  std::string kernelRelease() const override { return "fake"; }
  // KMR_FEAT_* the fake module reports, what KMR_IOC_STATS answers, and
  // the flags the last ATTACH asked for.
  uint64_t fake_features = 0;
  kmr_stats fake_stats{};
  uint32_t attach_flags = 0;

  // As a module whose opener may see pfns (CAP_SYS_ADMIN).
  uint64_t features() const override { return fake_features; }
  void attach(const AttachParams& p) override {
    pid_ = p.pid;
    attach_flags = p.flags;
    if (on_attach) on_attach(*this);
  }
  kmr_ctl* ctl() override { return rings_.ctl(); }
  const uint8_t* ringData() override { return rings_.data(); }

  void start() override {
    count(start_calls_);
    if (on_start) return on_start(*this);
    snapshot();
    setStarted(true);
  }
  void stop() override {
    bool was_started = started_;  // before a waiting script can go on
    count(stop_calls_);
    if (on_stop) return on_stop(*this);
    if (!was_started) throw DeviceError(EINVAL, "stop: Invalid argument");
  }
  void detach() override {}
  bool release(uint32_t pid) override {
    if (on_release) on_release(pid);
    std::lock_guard lk(mu_);
    released_.push_back(pid);
    return true;
  }
  std::function<void(uint32_t)> on_release;
  // KMR_IOC_RELEASE calls, in order.
  std::vector<uint32_t> released() {
    std::lock_guard lk(mu_);
    return released_;
  }
  kmr_stats stats() override { return fake_stats; }
  short poll(int timeout_ms, int extra_fd, short* extra_revents) override {
    if (int e = poll_error.load()) throw DeviceError(e, "poll: fake error");
    pollfd p{extra_fd, POLLIN, 0};
    int n = ::poll(&p, extra_fd >= 0 ? 1 : 0, timeout_ms > 10 ? 10 : timeout_ms);
    if (extra_revents) *extra_revents = n > 0 ? p.revents : 0;
    return 0;
  }

  // Records, numbered in order on ring (seq % nr_rings).
  void record(uint16_t kind, const void* rec, uint16_t size) {
    std::lock_guard lk(mu_);
    uint8_t buf[256] = {};
    std::memcpy(buf, rec, size);
    auto* h = reinterpret_cast<kmr_event*>(buf);
    h->kind = kind;
    h->size = size;
    h->seq = next_seq_;
    h->time_ns = 1'000'000 + next_seq_ * 1000;
    while (!rings_.produceRecord(next_seq_ % rings_.ctl()->nr_rings, buf, size)) {
      // Full: the drain loop frees room (the module waits in START too).
      mu_.unlock();
      ::usleep(1000);
      mu_.lock();
    }
    next_seq_++;
  }
  void snapshot() {
    kmr_ev_snapshot s{};
    s.end = 0x7ffffffff000;
    s.pid = pid_;
    record(KMR_EV_SNAPSHOT_BEGIN, &s, sizeof(s));
    record(KMR_EV_SNAPSHOT_END, &s, sizeof(s));
  }
  void faults(unsigned n) {
    for (unsigned i = 0; i < n; i++) {
      kmr_ev_fault f{};
      f.vaddr = 0x555555554000 + i * 4096ull;
      record(KMR_EV_FAULT, &f, sizeof(f));
    }
  }
  // FORK of @child (KMR_FORK_F_* in @flags).
  void fork(uint32_t child, uint32_t flags) {
    kmr_ev_fork f{};
    f.h.flags = flags;
    f.child_pid = child;
    record(KMR_EV_FORK, &f, sizeof(f));
  }
  void exit(int code) {
    kmr_ev_exit e{};
    e.exit_code = code;
    record(KMR_EV_EXIT, &e, sizeof(e));
  }

  void setStarted(bool s) { started_ = s; }
  bool started() const { return started_; }
  int startCalls() const { return start_calls_.load(); }
  int stopCalls() const { return stop_calls_.load(); }
  // Blocks until stop() was entered at least @n times.
  void waitStopCalls(int n) {
    std::unique_lock lk(calls_mu_);
    calls_cv_.wait(lk, [&] { return stop_calls_.load() >= n; });
  }

 private:
  void count(std::atomic<int>& c) {
    {
      std::lock_guard lk(calls_mu_);
      c++;
    }
    calls_cv_.notify_all();
  }

  FakeRings rings_;
  std::mutex mu_;
  uint64_t next_seq_ = 1;
  std::vector<uint32_t> released_;
  uint32_t pid_ = 0;
  std::atomic<bool> started_{false};
  std::atomic<int> start_calls_{0}, stop_calls_{0};
  std::mutex calls_mu_;
  std::condition_variable calls_cv_;
};

// Hands a FakeDevice the test owns to runRecord (which owns its device).
class FakeDeviceRef : public SessionDevice {
 public:
  explicit FakeDeviceRef(FakeDevice& f) : f_(f) {}
  std::string kernelRelease() const override { return f_.kernelRelease(); }
  uint64_t features() const override { return f_.features(); }
  void attach(const AttachParams& p) override { f_.attach(p); }
  kmr_ctl* ctl() override { return f_.ctl(); }
  const uint8_t* ringData() override { return f_.ringData(); }
  void start() override { f_.start(); }
  void stop() override { f_.stop(); }
  void detach() override { f_.detach(); }
  bool release(uint32_t pid) override { return f_.release(pid); }
  kmr_stats stats() override { return f_.stats(); }
  short poll(int timeout_ms, int extra_fd, short* extra_revents) override {
    return f_.poll(timeout_ms, extra_fd, extra_revents);
  }

 private:
  FakeDevice& f_;
};

}  // namespace kmr::recorder::test
