#include "process_tree.h"

#include <cerrno>
#include <chrono>
#include <string>

#include "base/clock.h"
#include "batch_queue.h"
#include "batch_sink.h"
#include "drain.h"
#include "merge.h"
#include "session_start.h"
#include "target.h"
#include "writer_thread.h"

namespace kmr::recorder {
namespace {

// A tree can have hundreds of live processes: each gets a smaller share of
// batches than a single recording (record.cpp: 4 initial, 24 at most).
constexpr size_t kBatchBytes = 1u << 20;
constexpr size_t kInitialBatches = 1;
constexpr size_t kMaxBatches = 8;
constexpr uint64_t kDrainRestNs = 3'000'000'000;
// A child's rings when --buffer-size is not given: most children of a tree
// are short (a compiler, a shell command), and ATTACH allocates and zeroes
// ring_size bytes per CPU for each one.  The root keeps the module's
// default (8 MiB).
constexpr uint64_t kChildRingSize = 2u << 20;

AttachParams followParams(const Options& o, pid_t pid) {
  AttachParams ap;
  ap.pid = uint32_t(pid);
  ap.start = o.range_start;
  ap.end = o.range_end;
  ap.event_mask = o.event_mask;
  ap.ring_size = o.buffer_size ? o.buffer_size : kChildRingSize;
  ap.flags = KMR_ATTACH_F_FOLLOW | (o.lossless ? KMR_ATTACH_F_LOSSLESS : 0);
  return ap;
}

}  // namespace

// One process of the tree: its session, drained by its own thread.
class FollowedProcess {
 public:
  FollowedProcess(ProcessTree& tree, FollowedProcess* parent, const ProcessEntry& e,
                  uint32_t stream, bool held)
      : tree_(tree), parent_(parent) {
    out_.entry = e;
    out_.stream = stream;
    out_.held = held;
  }
  ~FollowedProcess() {
    if (thread_.joinable()) thread_.join();
  }

  void start(std::unique_ptr<SessionDevice> dev, std::function<void()> then) {
    dev_ = std::move(dev);
    then_ = std::move(then);
    thread_ = std::thread([this] { run(); });
  }
  void join() {
    if (thread_.joinable()) thread_.join();
  }

  // A child of ours is being attached: our session must hold it until then.
  void childPending() {
    std::lock_guard<std::mutex> l(mu_);
    pending_children_++;
  }
  // ... and was released (or given up).
  void childDone() {
    std::lock_guard<std::mutex> l(mu_);
    pending_children_--;
    cv_.notify_all();
  }
  // KMR_IOC_RELEASE of @pid on our session.  False: not held (any more).
  bool release(uint32_t pid) {
    std::lock_guard<std::mutex> l(dev_mu_);
    if (!dev_) return false;
    try {
      return dev_->release(pid);
    } catch (const DeviceError&) {
      return false;
    }
  }

  uint32_t pid() const { return out_.entry.pid; }
  uint32_t stream() const { return out_.stream; }
  uint64_t events() const { return events_.load(std::memory_order_relaxed); }
  uint64_t lost() const { return lost_.load(std::memory_order_relaxed); }
  bool startEnded() const { return start_ended_.load(std::memory_order_acquire); }
  bool finished() const { return finished_.load(std::memory_order_acquire); }
  const ProcessOutcome& outcome() const { return out_; }

 private:
  void run();
  void record();
  // Let our own held process go on the parent's session, once.
  void releaseSelf() {
    if (released_ || !parent_) return;
    released_ = true;
    parent_->release(out_.entry.pid);
    parent_->childDone();
  }
  // After our target exited: hold our session until every child of ours
  // that is being attached was released (or a stop came).
  void awaitChildren() {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait_for(l, std::chrono::milliseconds(KMR_FOLLOW_WAIT_MS + 5000),
                 [&] { return pending_children_ == 0 || tree_.stopping(); });
  }

  ProcessTree& tree_;
  FollowedProcess* const parent_;
  std::unique_ptr<SessionDevice> dev_;
  std::mutex dev_mu_;  // dev_ against release() from a child's thread
  std::function<void()> then_;
  ProcessOutcome out_;
  bool released_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  int pending_children_ = 0;
  std::atomic<uint64_t> events_{0};
  std::atomic<uint64_t> lost_{0};
  std::atomic<bool> start_ended_{false};
  std::atomic<bool> finished_{false};
  std::thread thread_;
};

void FollowedProcess::run() {
  try {
    record();
  } catch (const std::exception& e) {
    if (out_.error.empty()) out_.error = e.what();
  }
  releaseSelf();
  // Close the session now, not when the tree ends: its rings count against
  // the module's cap on ring memory for all sessions (a 1000-process run
  // hit it after 14 processes).  record() waited for every child of ours
  // to be handed over, so no RELEASE on it is still to come.
  {
    std::lock_guard<std::mutex> l(dev_mu_);
    dev_.reset();
  }
  start_ended_.store(true, std::memory_order_release);
  finished_.store(true, std::memory_order_release);
  tree_.ended();
}

void FollowedProcess::record() {
  const Options& o = *tree_.c_.options;
  if (!dev_) {
    // A child: it waits in the kernel until releaseSelf().
    std::unique_ptr<SessionDevice> dev = tree_.c_.open_device(o.device);
    try {
      dev->attach(followParams(o, pid_t(out_.entry.pid)));
    } catch (const DeviceError& e) {
      out_.error = e.error() == ESRCH ? "exited before it could be attached"
                                      : std::string("not recorded: ") + e.what();
      return;
    }
    std::lock_guard<std::mutex> l(dev_mu_);
    dev_ = std::move(dev);
  }
  SessionDevice& dev = *dev_;
  Consumer consumer(dev.ctl(), dev.ringData(), monotonicNs);
  BatchQueue q(kBatchBytes, kInitialBatches, kMaxBatches);
  BatchSink sink(q);
  sink.on_fork = [this](const kmr_ev_fork& f) { tree_.forked(*this, f); };
  std::unique_ptr<TraceSink> trace = tree_.c_.trace->sink(out_.stream);
  WriterThread wt(*trace, q);
  SessionStart start(
      dev, [&] { return tree_.stopping(); },
      [&] {
        out_.recorded = true;
        releaseSelf();
        start_ended_.store(true, std::memory_order_release);
        if (then_) then_();
      });
  Drainer drainer(consumer, sink, dev, tree_.c_.stop_fd,
                  {[&] { return tree_.stopping() || start.failed(); },
                   [&] { return wt.failed(); },
                   [&] {
                     events_.store(sink.records(), std::memory_order_relaxed);
                     lost_.store(std::max(sink.lostReported(), consumer.ringLost()),
                                 std::memory_order_relaxed);
                   }});
  Drainer::End end = drainer.run(0);
  if (end == Drainer::End::TargetExit) awaitChildren();
  start.stop();
  drainer.drainRest(kDrainRestNs);
  sink.flush();
  wt.finish(monotonicNs());
  if (start.outcome() == SessionStart::Outcome::Failed && out_.error.empty())
    out_.error = start.errorCode() == ESRCH ? "exited before recording could start"
                                            : "starting the session: " + start.error();
  else if (start.outcome() == SessionStart::Outcome::Skipped && out_.error.empty())
    out_.error = "stopped before recording started";
  if (wt.failed() && out_.error.empty()) out_.error = "writing its stream: " + wt.error();
  out_.exited = sink.exits() > 0;
  out_.exit_code = sink.exitCode();
  out_.exit_flags = sink.exitFlags();
  out_.last_exec = sink.lastExec();
  out_.events = sink.records();
  out_.lost = std::max(sink.lostReported(), consumer.ringLost()) + consumer.gaps();
  out_.ring_bytes = consumer.ringBytes();
  events_.store(out_.events, std::memory_order_relaxed);
  lost_.store(out_.lost, std::memory_order_relaxed);
  // Our children still being attached need the session (awaitChildren);
  // detach only when none is, or on a stop (which released them all).
  {
    std::unique_lock<std::mutex> l(mu_);
    if (pending_children_ && !tree_.stopping()) {
      l.unlock();
      awaitChildren();
    }
  }
  try {
    dev.detach();
  } catch (const DeviceError&) {
  }
}

ProcessTree::ProcessTree(Config c) : c_(std::move(c)) {}

ProcessTree::~ProcessTree() {
  stop();
  join();
}

void ProcessTree::addRoot(std::unique_ptr<SessionDevice> dev, const ProcessEntry& e,
                          std::function<void()> then) {
  uint32_t stream = c_.trace->addProcess(e);
  std::lock_guard<std::mutex> l(mu_);
  procs_.push_back(std::make_unique<FollowedProcess>(*this, nullptr, e, stream, true));
  live_++;
  procs_.back()->start(std::move(dev), std::move(then));
}

bool ProcessTree::recording(uint32_t pid) const {
  std::lock_guard<std::mutex> l(mu_);
  for (const auto& p : procs_)
    if (p->pid() == pid && !p->finished()) return true;
  return false;
}

void ProcessTree::forked(FollowedProcess& parent, const kmr_ev_fork& f) {
  if (!c_.follow) return;  // --comm alone: its roots only
  const bool held = f.h.flags & KMR_FORK_F_HELD;
  if (stopping()) return;  // STOP lets it go
  if (!f.child_pid) return;  // not in our pid namespace: cannot attach
  std::unique_lock<std::mutex> l(mu_);
  if (c_.max_procs && procs_.size() >= c_.max_procs) {
    l.unlock();
    not_followed_++;
    if (held) parent.release(f.child_pid);
    return;
  }
  l.unlock();
  ProcessEntry e;
  e.pid = f.child_pid;
  e.ppid = parent.pid();
  e.parent_stream = parent.stream();
  e.comm = procComm(pid_t(f.child_pid));
  e.cmdline = procCmdline(pid_t(f.child_pid));
  e.binary = procExe(pid_t(f.child_pid));
  e.start_mono_ns = f.h.time_ns;
  e.via_exec = f.h.flags & KMR_FORK_F_EXEC;
  uint32_t stream = c_.trace->addProcess(e);
  if (held) parent.childPending();
  l.lock();
  procs_.push_back(std::make_unique<FollowedProcess>(*this, held ? &parent : nullptr, e, stream,
                                                     held));
  live_++;
  procs_.back()->start(nullptr, {});
}

void ProcessTree::ended() {
  std::lock_guard<std::mutex> l(mu_);
  live_--;
  cv_.notify_all();
}

void ProcessTree::stop() { stopping_.store(true, std::memory_order_release); }

size_t ProcessTree::live() const {
  std::lock_guard<std::mutex> l(mu_);
  return live_;
}

bool ProcessTree::rootStarted() const {
  std::lock_guard<std::mutex> l(mu_);
  return !procs_.empty() && procs_.front()->startEnded();
}

uint64_t ProcessTree::events() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = 0;
  for (const auto& p : procs_) n += p->events();
  return n;
}

uint64_t ProcessTree::lost() const {
  std::lock_guard<std::mutex> l(mu_);
  uint64_t n = 0;
  for (const auto& p : procs_) n += p->lost();
  return n;
}

size_t ProcessTree::processes() const {
  std::lock_guard<std::mutex> l(mu_);
  return procs_.size();
}

std::vector<ProcessOutcome> ProcessTree::join() {
  {
    std::unique_lock<std::mutex> l(mu_);
    cv_.wait(l, [&] { return live_ == 0; });
  }
  // No thread runs any more: nothing adds to procs_.
  std::vector<ProcessOutcome> out;
  for (auto& p : procs_) {
    p->join();
    out.push_back(p->outcome());
  }
  return out;
}

}  // namespace kmr::recorder
