// kmemrec -f: recording a process tree.
//
// Every process has a session of its own (kernel: one per target), so a
// process is recorded exactly as a single target is: its own rings, its own
// dense seq, its own drain loop, START and STOP (session_start.h, drain.h).
// What the tree adds is the hand-over at fork.  Sessions are attached with
// KMR_ATTACH_F_FOLLOW: a child the target creates waits in the kernel,
// before its first instruction, and the parent's FORK record names it
// (KMR_FORK_F_HELD).  The parent's drain thread sees the FORK
// (BatchSink::on_fork) and starts the child's own FollowedProcess, which
// attaches, STARTs and only then RELEASEs the child on the parent's
// session: the child's first write, usually its first CoW copy, is in its
// own stream.
//
// A parent that exits while a child of its is still being attached keeps
// its session until that RELEASE (its STOP or close would let the child run
// early).  A stop request (SIGINT, --duration) STOPs every session, which
// also lets every held child go.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "options.h"
#include "record.h"
#include "session_device.h"
#include "trace_sink.h"

namespace kmr::recorder {

// What the trace says about a process when it appears.
struct ProcessEntry {
  uint32_t pid = 0;
  uint32_t ppid = 0;                 // 0: the root (or its parent is not recorded)
  uint32_t parent_stream = UINT32_MAX;  // UINT32_MAX: none
  std::string comm;
  std::vector<std::string> cmdline;
  std::string binary;                // /proc/PID/exe when it appeared ("" unknown)
  uint64_t start_mono_ns = 0;        // the FORK record's time (root: recording start)
  bool via_exec = false;             // a CLONE_VM child, reported at its exec
};

// The one trace of the tree: a stream per process.  Called from any thread.
class TreeTrace {
 public:
  virtual ~TreeTrace() = default;
  // A new process: its stream.
  virtual uint32_t addProcess(const ProcessEntry& p) = 0;
  // The sink a process's writer thread appends its events to.  Its
  // finish() ends that stream only; the file is finished by the owner.
  virtual std::unique_ptr<TraceSink> sink(uint32_t stream) = 0;
};

// How one process's recording ended (the summary's table).
struct ProcessOutcome {
  ProcessEntry entry;
  uint32_t stream = 0;
  bool recorded = false;     // START worked
  bool exited = false;       // its EXIT record came
  int32_t exit_code = -1;    // as wait() reports it (-1: unknown)
  uint32_t exit_flags = 0;   // KMR_EXIT_F_*
  bool held = true;          // the module held it until we attached
  uint64_t events = 0;       // ring records read
  uint64_t trace_events = 0; // events its stream holds (a fault in a PTE record is two)
  uint64_t lost = 0;         // LOST counts + merge gaps
  uint64_t ring_bytes = 0;
  std::string error;         // why it was not (fully) recorded
  std::string last_exec;     // the last exec's filename ("": none while recorded)
};

class FollowedProcess;

class ProcessTree {
 public:
  struct Config {
    const Options* options = nullptr;
    DeviceOpener open_device;
    TreeTrace* trace = nullptr;
    int stop_fd = -1;             // readable once a stop was requested
    uint32_t max_procs = 0;       // processes followed at most (root included); 0 = no limit
    bool follow = true;           // follow FORK records (-f); false: roots only (--comm)
  };

  explicit ProcessTree(Config c);
  ~ProcessTree();  // stops and joins whatever still runs
  ProcessTree(const ProcessTree&) = delete;
  ProcessTree& operator=(const ProcessTree&) = delete;

  // The root, already attached with KMR_ATTACH_F_FOLLOW.  @then runs once
  // its START worked (launch mode: let the launched child exec).
  void addRoot(std::unique_ptr<SessionDevice> dev, const ProcessEntry& e,
               std::function<void()> then);
  // Whether @pid is being recorded (attaching, recording, or waiting for a
  // child's hand-over): kmemrec --comm -f leaves such a one, and a child
  // of one, to the tree.
  bool recording(uint32_t pid) const;
  // A process of --comm not recorded because of --max-procs.
  void notFollowedOne() { not_followed_++; }

  // Ask every process to end: STOP (SIGINT, --duration).  Any thread.
  void stop();
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  // Processes whose recording has not ended (attaching, recording, or
  // waiting for a child's hand-over).
  size_t live() const;
  // The root's START ended (worked or failed): live() == 0 then means done.
  bool rootStarted() const;
  // Sums over every process so far, for the status line.
  uint64_t events() const;
  uint64_t lost() const;
  size_t processes() const;
  // Children not followed because of --max-procs.
  uint64_t notFollowed() const { return not_followed_.load(); }

  // Waits for every process (including ones that appear meanwhile), then
  // returns their outcomes in the order they appeared (the root first).
  std::vector<ProcessOutcome> join();

 private:
  friend class FollowedProcess;
  // On @parent's drain thread: its FORK record.
  void forked(FollowedProcess& parent, const kmr_ev_fork& f);
  void ended();

  Config c_;
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> not_followed_{0};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<FollowedProcess>> procs_;
  size_t live_ = 0;
};

}  // namespace kmr::recorder
