// kmemrec -f: the recording of a process tree, from the root's ATTACH to
// the finished file and the summary.  The per-process work is in
// process_tree.cpp; this is the main thread: status line, stop, summary.
#include <poll.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <map>
#include <optional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "base/clock.h"
#include "comm_wait.h"
#include "kmr/writer.h"
#include "launch.h"
#include "process_tree.h"
#include "record.h"
#include "record_setup.h"
#include "status.h"
#include "stop_signal.h"
#include "target.h"
#include "tree_trace.h"

namespace kmr::recorder {
namespace {

// "exited 0", "killed by SIGSEGV", "running (no longer traced)", or why it
// was not recorded.
std::string processFate(const ProcessOutcome& p) {
  if (!p.recorded) return p.error.empty() ? "not recorded" : p.error;
  std::string fate;
  if (p.exited) {
    fate = p.exit_code >= 0 ? describeWaitStatus(p.exit_code) : "exited";
    if (std::string why = describeExitFlags(p.exit_flags); !why.empty()) fate += "; " + why;
  } else {
    fate = "running (no longer traced)";
  }
  if (!p.error.empty()) fate += "; " + p.error;
  if (!p.held) fate += "; attached after it ran";
  return fate;
}

// The tree as a table, children under their parents.
std::string processTable(const std::vector<ProcessOutcome>& procs, uint64_t t0) {
  std::map<uint32_t, std::vector<size_t>> children;  // stream -> indexes
  std::vector<size_t> roots;
  std::map<uint32_t, size_t> by_stream;
  for (size_t i = 0; i < procs.size(); i++) by_stream[procs[i].stream] = i;
  for (size_t i = 0; i < procs.size(); i++) {
    uint32_t ps = procs[i].entry.parent_stream;
    if (ps != UINT32_MAX && by_stream.count(ps))
      children[ps].push_back(i);
    else
      roots.push_back(i);
  }
  std::string out = "  process tree:\n";
  char b[512];
  std::snprintf(b, sizeof(b), "    %-7s %-7s %-20s %-24s %8s %10s %6s  %s\n", "pid", "ppid",
                "name", "binary", "start", "events", "lost", "fate");
  out += b;
  std::vector<std::pair<size_t, int>> stack;
  for (auto it = roots.rbegin(); it != roots.rend(); ++it) stack.push_back({*it, 0});
  while (!stack.empty()) {
    auto [i, depth] = stack.back();
    stack.pop_back();
    const ProcessOutcome& p = procs[i];
    std::string name = std::string(size_t(depth) * 2, ' ') + p.entry.comm;
    if (name.size() > 20) name = name.substr(0, 19) + "~";
    // what it ran last: its last exec, else what it was started as
    std::string bin = !p.last_exec.empty() ? p.last_exec : p.entry.binary;
    if (bin.empty() && !p.entry.cmdline.empty()) bin = p.entry.cmdline.front();
    if (bin.size() > 24) bin = "~" + bin.substr(bin.size() - 23);
    double start = p.entry.start_mono_ns > t0 ? (p.entry.start_mono_ns - t0) / 1e9 : 0;
    std::snprintf(b, sizeof(b), "    %-7u %-7s %-20s %-24s %7.2fs %10" PRIu64 " %6" PRIu64 "  %s\n",
                  p.entry.pid, p.entry.ppid ? std::to_string(p.entry.ppid).c_str() : "-",
                  name.c_str(), bin.empty() ? "-" : bin.c_str(), start, p.trace_events, p.lost,
                  processFate(p).c_str());
    out += b;
    auto c = children.find(p.stream);
    if (c != children.end())
      for (auto it = c->second.rbegin(); it != c->second.rend(); ++it)
        stack.push_back({*it, depth + 1});
  }
  return out;
}

// --comm: a process of the name that appeared while recording becomes a
// root of its own.  With -f one the tree already follows (a child of a
// recorded process, held or being attached) is left to it.  One that
// exits first is counted, not an error.
void addCommProcess(ProcessTree& tree, const Options& o, const DeviceOpener& open_device,
                    const StopSignal& stop, pid_t pid, uint32_t attach_flags, uint64_t* missed) {
  const uint32_t ppid = procPpid(pid);
  if (o.follow && (tree.recording(uint32_t(pid)) || tree.recording(ppid))) return;
  if (o.max_procs && tree.processes() >= o.max_procs) {
    tree.notFollowedOne();
    return;
  }
  ProcessEntry e;
  e.pid = uint32_t(pid);
  e.ppid = ppid;  // informative: a root has no parent stream
  e.comm = procComm(pid);
  e.cmdline = procCmdline(pid);
  e.binary = procExe(pid);
  e.start_mono_ns = monotonicNs();
  std::unique_ptr<SessionDevice> dev;
  try {
    dev = open_device(o.device);
    attachTarget(*dev, o, pid, stop, attach_flags);
  } catch (const DeviceError& err) {
    if (err.error() == ESRCH) {
      (*missed)++;
      return;
    }
    throw;
  }
  std::string comm = e.comm;
  tree.addRoot(std::move(dev), e, [pid, comm, q = o.quiet, tty = ::isatty(STDERR_FILENO)] {
    // One line per process of the name, over the status line.
    if (!q)
      std::fprintf(stderr, "%skmemrec: recording pid %d (%s) too\n", tty ? "\r\033[K" : "",
                   int(pid), comm.c_str());
  });
}

}  // namespace

int runRecordTree(const Options& o, const DeviceOpener& open_device) {
  StopSignal stop;
  OutputFile output(o.output);
  std::unique_ptr<SessionDevice> dev = open_device(o.device);
  if (o.follow && !(dev->features() & KMR_FEAT_FOLLOW))
    throw std::runtime_error(
        "this module cannot follow process trees (-f): rebuild/reload it (the loaded kmemrec.ko "
        "is older than this kmemrec; `kmemrec doctor` says which one is loaded)");
  const uint32_t attach_flags = o.follow ? KMR_ATTACH_F_FOLLOW : 0;
  std::unique_ptr<LaunchedChild> child;
  // --comm: watch for more processes of the name from before the first is
  // found, so none starting meanwhile is missed.
  std::optional<CommWatcher> watcher;
  if (o.commAll()) watcher.emplace(o.comm);
  pid_t pid = chooseTarget(o, stop, &child);
  if (watcher) watcher->seen(pid);
  attachTarget(*dev, o, pid, stop, attach_flags);

  const TraceHeader h = makeHeader(o, *dev, pid, child != nullptr);
  output.overwriting();
  TraceWriter writer(o.output, h);
  FileTreeTrace trace(writer);
  const uint64_t t0 = h.start_mono_ns;
  const bool tty = ::isatty(STDERR_FILENO) && !o.quiet;

  ProcessTree::Config tc;
  tc.options = &o;
  tc.open_device = open_device;
  tc.trace = &trace;
  tc.stop_fd = stop.fd();
  tc.max_procs = o.max_procs;
  tc.follow = o.follow;
  std::vector<ProcessOutcome> procs;
  std::string end_reason;
  uint64_t not_followed = 0, comm_missed = 0;
  {
    ProcessTree tree(tc);
    ProcessEntry root;
    root.pid = uint32_t(pid);
    root.comm = h.comm;
    root.cmdline = h.cmdline;
    if (!child) root.binary = procExe(pid);
    root.start_mono_ns = t0;
    tree.addRoot(std::move(dev), root, [&] {
      if (child) child->release();
      if (o.quiet) return;
      if (o.commAll())
        std::fprintf(stderr,
                     "kmemrec: recording every process named '%s'%s (the first: pid %d) into "
                     "%s until stopped%s\n",
                     o.comm.c_str(), o.follow ? " and their descendants" : "", int(pid),
                     o.output.c_str(), tty ? "; Ctrl-C stops" : "");
      else
        std::fprintf(stderr, "kmemrec: recording pid %d (%s) and its descendants into %s%s\n",
                     int(pid), h.comm.c_str(), o.output.c_str(), tty ? "; Ctrl-C stops" : "");
    });
    const uint64_t deadline = o.duration_ns ? t0 + o.duration_ns : 0;
    uint64_t last_events = 0, last_t = t0;
    for (;;) {
      // --comm records until stopped: more processes of the name may come.
      if (!watcher && tree.rootStarted() && tree.live() == 0) {
        end_reason = "every process exited";
        break;
      }
      if (stop.requested()) {
        const char* name = sigabbrev_np(stop.signal());
        end_reason = std::string("stopped by SIG") + (name ? name : "?");
        break;
      }
      if (deadline && monotonicNs() >= deadline) {
        end_reason = "--duration elapsed";
        stop.request();
        break;
      }
      if (watcher) {
        for (pid_t np : watcher->poll(250, stop.fd()))
          addCommProcess(tree, o, open_device, stop, np, attach_flags, &comm_missed);
      } else {
        pollfd p{stop.fd(), POLLIN, 0};
        ::poll(&p, 1, 250);
      }
      if (tty) {
        uint64_t now = monotonicNs();
        StatusSnapshot s;
        s.elapsed_s = (now - t0) / 1e9;
        s.events = tree.events();
        s.events_per_s = now > last_t ? (s.events - last_events) * 1e9 / double(now - last_t) : 0;
        s.lost = tree.lost();
        s.file_bytes = trace.fileBytes();
        last_events = s.events;
        last_t = now;
        std::string line = "\r" + formatStatus(s) + "  " + std::to_string(tree.live()) + "/" +
                           std::to_string(tree.processes()) + " processes\033[K";
        std::fputs(line.c_str(), stderr);
      }
    }
    tree.stop();
    procs = tree.join();
    not_followed = tree.notFollowed();
    if (tty) std::fputs("\r\033[K", stderr);
  }
  const uint64_t stopped_ns = monotonicNs();
  writer.setEndTime(stopped_ns);
  writer.finish();
  for (ProcessOutcome& p : procs) p.trace_events = writer.state(p.stream).applied();
  if (child) {
    int status;
    child->tryWait(&status);
  }

  if (procs.empty() || !procs.front().recorded) {
    if (stop.requested()) throw std::runtime_error("interrupted before the recording started");
    throw std::runtime_error(procs.empty() || procs.front().error.empty()
                                 ? "the recording did not start"
                                 : "process " + std::to_string(pid) + ": " + procs.front().error);
  }
  output.keep();

  uint64_t events = 0, lost = 0, ring = 0;
  size_t recorded = 0;
  for (const ProcessOutcome& p : procs) {
    events += p.events;
    lost += p.lost;
    ring = std::max(ring, p.ring_bytes);
    recorded += p.recorded;
  }
  const WriterStats& ws = writer.stats();
  if (!o.quiet || lost) {
    char b[512];
    std::string out;
    if (o.commAll())
      std::snprintf(b, sizeof(b), "kmemrec: recorded %zu processes named '%s'%s for %.1f s: %s.\n",
                    recorded, o.comm.c_str(), o.follow ? " and their descendants" : "",
                    (stopped_ns - t0) / 1e9, end_reason.c_str());
    else
      std::snprintf(b, sizeof(b),
                    "kmemrec: recorded %zu processes from pid %d (%s) for %.1f s: %s.\n",
                    recorded, int(pid), h.comm.c_str(), (stopped_ns - t0) / 1e9,
                    end_reason.c_str());
    out += b;
    std::snprintf(b, sizeof(b), "  %s: %s, %" PRIu64 " events (%" PRIu64 " from the rings)\n",
                  o.output.c_str(), humanBytes(ws.file_bytes).c_str(), ws.events, events);
    out += b;
    if (size_t missed = procs.size() - recorded)
      out += "  " + std::to_string(missed) + " process(es) seen but not recorded (see the table)\n";
    out += processTable(procs, t0);
    if (not_followed)
      out += "  --max-procs " + std::to_string(o.max_procs) + " reached: " +
             std::to_string(not_followed) + " more process(es) were not followed\n";
    if (comm_missed)
      out += "  " + std::to_string(comm_missed) + " more process(es) named '" + o.comm +
             "' exited before they could be attached\n";
    if (lost)
      out += "  WARNING: " + std::to_string(lost) +
             " events were lost: the trace marks where; --lossless or a larger --buffer-size "
             "keeps them\n";
    std::fputs(out.c_str(), stderr);
  }
  return lost || not_followed ? kExitLost : kExitOk;
}

}  // namespace kmr::recorder
