#include "trace_checks.h"

#include <kmemrec/abi.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "kmr/reader.h"
#include "kmr/replay.h"

namespace kmr::oracle {

TraceState traceStateOf(const ShadowState& st) {
  TraceState t;
  for (const auto& [start, v] : st.vmas())
    t.vmas.push_back({v.start, v.end, v.pgoff, v.ino, v.dev, v.vm_flags, v.flags, v.name});
  st.pages().forEachRun([&](const PageRun& r) {
    for (uint64_t i = 0; i < r.pages; i++)
      t.ptes.push_back({(r.vpn + i) << 12, KMR_PTE_MAKE(r.pfn + i, r.flags), 12});
  });
  // Unknown pages matter only where a VMA is (a trace knows nothing of
  // unmapped space only in the trivial sense); unknown VMA ranges always.
  for (const auto& [s, e] : st.unknownPages().ranges())
    for (const auto& [vs, v] : st.vmas())
      if (v.start < (e << 12) && v.end > (s << 12))
        t.unknown.push_back({std::max(v.start, s << 12), std::min(v.end, e << 12)});
  for (const auto& [s, e] : st.unknownVmas().ranges()) t.unknown.push_back({s << 12, e << 12});
  return t;
}

std::unique_ptr<TraceReader> openProcess(const std::string& trace, uint32_t pid) {
  auto reader = std::make_unique<TraceReader>(trace);
  if (!pid || reader->header().pid == pid) return reader;
  for (const StreamInfo& s : reader->streams())
    if (s.process.pid == pid) return reader->openStream(s.process.stream);
  return nullptr;
}

std::vector<CheckResult> checkStateInProcess(const std::string& trace,
                                             const std::vector<Checkpoint>& all) {
  // A trace of a process tree (kmemrec -f) holds a stream per process: each
  // checkpoint is compared with its own process's stream.
  std::map<uint32_t, std::vector<Checkpoint>> by_pid;
  for (const Checkpoint& c : all) by_pid[c.pid].push_back(c);
  std::vector<CheckResult> out;
  for (const auto& [pid, ckpts] : by_pid) {
    std::unique_ptr<TraceReader> rp = openProcess(trace, pid);
    if (!rp) {
      for (const Checkpoint& c : ckpts)
        out.push_back({"checkpoint " + c.label + " of pid " + std::to_string(pid),
                       {"the trace holds no process " + std::to_string(pid)}});
      continue;
    }
    std::vector<CheckResult> one = checkStateOfProcess(*rp, ckpts);
    out.insert(out.end(), one.begin(), one.end());
  }
  return out;
}

std::vector<CheckResult> checkStateOfProcess(const TraceReader& reader,
                                             const std::vector<Checkpoint>& ckpts) {
  Replay replay(reader);
  std::vector<CheckResult> out;
  // A flight-recorder file holds only its window: a checkpoint from before
  // it has nothing to be compared with (said, not silently passed).
  // It also ends before the recording did when a trigger wrote it (the
  // target went on): later checkpoints are after the window.
  const uint64_t window = reader.flight() ? reader.flight()->window_start_ns : 0;
  // A trace recorded with --range knows that range only: both sides are
  // compared there.
  const uint64_t traced_start = reader.header().range_start;
  const uint64_t traced_end = reader.header().range_end;
  const uint64_t window_end = reader.flight() ? reader.endNs() : UINT64_MAX;
  for (const Checkpoint& c : ckpts) {
    if (c.mono_before < window) {
      out.push_back({"checkpoint " + c.label + " (before the flight-recorder window: not compared)",
                     {}});
      continue;
    }
    if (c.mono_after > window_end) {
      out.push_back({"checkpoint " + c.label + " (after the flight-recorder window: not compared)",
                     {}});
      continue;
    }
    if (c.faults_during) {
      out.push_back({"checkpoint " + c.label,
                     {"the checkpoint took " + std::to_string(c.faults_during) +
                      " page faults of its own: it is not one instant"}});
      continue;
    }
    MemoryView kernel = fromCheckpoint(c);
    clipView(&kernel, traced_start, traced_end);
    for (auto [when, t] : {std::pair{"mono_before", c.mono_before}, {"mono_after", c.mono_after}}) {
      std::vector<Damage> damage;
      ShadowState st = replay.stateAt(replay.positionAtTime(t), &damage);
      MemoryView tv = fromTrace(traceStateOf(st));
      clipView(&tv, c.range_start, c.range_end);
      clipView(&tv, traced_start, traced_end);
      CheckResult r{"checkpoint " + c.label + " at " + when + " (" + std::to_string(t) + ")",
                    compareViews(kernel, tv)};
      for (const Damage& d : damage) r.diffs.push_back("trace damage: " + d.what);
      out.push_back(std::move(r));
    }
  }
  return out;
}

namespace {

struct Region {
  uint64_t start = 0, end = 0;
};

template <typename Fn>
void forEachEvent(const TraceReader& reader, Fn&& fn) {
  EventStream s(reader);
  Event ev;
  while (s.next(ev)) fn(ev);
  if (!s.damage().empty()) throw std::runtime_error(reader.path() + ": " + s.damage()[0].what);
}

template <typename Fn>
void forEachEvent(const std::string& trace, Fn&& fn) {
  TraceReader reader(trace);
  forEachEvent(reader, fn);
}

}  // namespace

std::vector<CheckResult> checkExpectations(const std::string& trace,
                                           const std::string& target_out) {
  std::ifstream in(target_out);
  if (!in) throw std::runtime_error("cannot read " + target_out);
  std::map<std::string, Region> regions;
  struct Expect {
    std::string key, region;
    uint64_t n;
    uint32_t pid = 0;  // "expect-pid": that process's stream (kmemrec -f)
  };
  std::vector<Expect> expects;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    std::string word, name, a, b;
    ls >> word >> name;
    if (word == "region" && (ls >> a >> b))
      regions[name] = {std::stoull(a, nullptr, 16), std::stoull(b, nullptr, 16)};
    else if (word == "expect" && (ls >> a >> b))
      expects.push_back({name, a, std::stoull(b)});
    else if (std::string p; word == "expect-pid" && (ls >> a >> b >> p))
      expects.push_back({name, a, std::stoull(b), uint32_t(std::stoul(p))});
  }
  std::vector<CheckResult> out;
  if (expects.empty()) return out;
  // One pass over the events for every expectation.
  std::map<std::string, uint64_t> cow, cow_reuse;
  std::map<std::string, std::set<uint64_t>> huge;
  forEachEvent(trace, [&](const Event& ev) {
    for (const auto& [name, r] : regions) {
      if (ev.kind == EventKind::Cow && ev.cow.vaddr >= r.start && ev.cow.vaddr < r.end) {
        if (ev.cow.cow_flags & KMR_COW_REUSE)
          cow_reuse[name]++;
        else
          cow[name]++;
      } else if (ev.kind == EventKind::Pte && ev.pte.shift == 21) {
        for (size_t i = 0; i < ev.entries.size(); i++) {
          uint64_t va = ev.pte.vaddr + (uint64_t(i) << 21);
          if (va >= r.start && va < r.end && (KMR_PTE_FLAGS(ev.entries[i]) & KMR_PTE_PRESENT))
            huge[name].insert(va);
        }
      }
    }
  });
  // Another process's CoW copies: counted in its own stream.  A trace of
  // one process (no -f) has nothing to say about the others.
  const bool one_process = TraceReader(trace).streams().size() == 1;
  std::map<uint32_t, std::map<std::string, uint64_t>> pid_cow;
  for (const Expect& e : expects) {
    if (!e.pid || pid_cow.count(e.pid)) continue;
    std::unique_ptr<TraceReader> rp = openProcess(trace, e.pid);
    auto& counts = pid_cow[e.pid];
    if (!rp) continue;
    forEachEvent(*rp, [&](const Event& ev) {
      for (const auto& [name, r] : regions)
        if (ev.kind == EventKind::Cow && !(ev.cow.cow_flags & KMR_COW_REUSE) &&
            ev.cow.vaddr >= r.start && ev.cow.vaddr < r.end)
          counts[name]++;
    });
  }
  for (const Expect& e : expects) {
    CheckResult r{"expect " + e.key + " " + e.region + " " + std::to_string(e.n) +
                      (e.pid ? " in pid " + std::to_string(e.pid) : ""),
                  {}};
    if (e.pid && one_process && !openProcess(trace, e.pid)) {
      r.what += " (another process, not in this one-process trace: not compared)";
      out.push_back(std::move(r));
      continue;
    }
    if (e.pid) {
      if (!regions.count(e.region))
        r.diffs.push_back("no 'region " + e.region + "' line in " + target_out);
      else if (!openProcess(trace, e.pid))
        r.diffs.push_back("the trace holds no process " + std::to_string(e.pid));
      else if (e.key != "cow")
        r.diffs.push_back("unknown expectation '" + e.key + "' for another process");
      else if (pid_cow[e.pid][e.region] != e.n)
        r.diffs.push_back("the trace has " + std::to_string(pid_cow[e.pid][e.region]) +
                          " CoW copies in region " + e.region + " of pid " +
                          std::to_string(e.pid));
      out.push_back(std::move(r));
      continue;
    }
    if (!regions.count(e.region)) {
      r.diffs.push_back("no 'region " + e.region + "' line in " + target_out);
    } else if (e.key == "cow") {
      if (cow[e.region] != e.n)
        r.diffs.push_back("the trace has " + std::to_string(cow[e.region]) +
                          " CoW copies in region " + e.region + " (and " +
                          std::to_string(cow_reuse[e.region]) + " reuses)");
    } else if (e.key == "thp") {
      if (huge[e.region].size() != e.n)
        r.diffs.push_back("the trace maps " + std::to_string(huge[e.region].size()) +
                          " distinct 2 MiB leaves in region " + e.region);
    } else {
      r.diffs.push_back("unknown expectation '" + e.key + "'");
    }
    out.push_back(std::move(r));
  }
  return out;
}

CheckResult checkFaultsAgainstFtrace(const std::string& trace, const std::string& ftrace_file,
                                     uint32_t tgid) {
  uint64_t first = UINT64_MAX, last = 0, user = 0, kernel = 0, remote = 0;
  forEachEvent(trace, [&](const Event& ev) {
    first = std::min(first, ev.time_ns);
    last = std::max(last, ev.time_ns);
    if (ev.kind != EventKind::Fault) return;
    if (ev.fault.fault_flags & KMR_FAULT_REMOTE)
      remote++;
    else if (ev.fault.fault_flags & KMR_FAULT_USER)
      user++;
    else
      kernel++;
  });
  std::ifstream in(ftrace_file);
  if (!in) throw std::runtime_error("cannot read " + ftrace_file);
  // ftrace prints microseconds: widen the span to whole microseconds.
  uint64_t lo_us = first / 1000, hi_us = (last + 999) / 1000, in_span = 0, outside = 0;
  uint32_t t;
  std::string ts;
  while (in >> t >> ts) {
    if (t != tgid) continue;
    size_t dot = ts.find('.');
    uint64_t us = std::stoull(ts.substr(0, dot)) * 1'000'000 +
                  (dot == std::string::npos ? 0 : std::stoull(ts.substr(dot + 1)));
    if (us >= lo_us && us <= hi_us)
      in_span++;
    else
      outside++;
  }
  CheckResult r;
  char b[256];
  std::snprintf(b, sizeof(b),
                "user page faults of pid %u: trace %" PRIu64 ", ftrace %" PRIu64
                " (ftrace outside the trace's span: %" PRIu64 "; trace kernel-mode %" PRIu64
                ", remote %" PRIu64 ")",
                tgid, user, in_span, outside, kernel, remote);
  r.what = b;
  if (user != in_span) r.diffs.push_back(b);
  return r;
}

CheckResult checkInfo(const std::string& trace, const InfoExpect& e) {
  TraceReader reader(trace);
  uint64_t n = 0, exits = 0;
  std::vector<std::string> damage;
  {
    EventStream s(reader);
    Event ev;
    while (s.next(ev)) {
      n++;
      if (ev.kind == EventKind::Exit) exits++;
    }
    for (const Damage& d : s.damage()) damage.push_back(d.what);
  }
  for (const Damage& d : reader.damage()) damage.push_back(d.what);
  CheckResult r;
  char b[256];
  std::snprintf(b, sizeof(b), "%s: pid %u (%s), %" PRIu64 " events, %zu chunks, %s", trace.c_str(),
                reader.header().pid, reader.header().comm.c_str(), n, reader.chunks().size(),
                reader.truncated() ? "truncated (no index)" : "finished");
  r.what = b;
  for (const std::string& d : damage) r.diffs.push_back("damage: " + d);
  if (e.finished && (reader.truncated() || !reader.hasIndex()))
    r.diffs.push_back("not finished: " + reader.indexProblem());
  if (e.truncated && !reader.truncated()) r.diffs.push_back("expected a cut-short file");
  if (e.truncated && reader.chunks().empty()) r.diffs.push_back("no whole chunk to read");
  if (e.pid && reader.header().pid != e.pid)
    r.diffs.push_back("header pid " + std::to_string(reader.header().pid) + ", expected " +
                      std::to_string(e.pid));
  if (n < e.min_events) r.diffs.push_back("only " + std::to_string(n) + " events");
  if (e.exited && exits != 1) r.diffs.push_back(std::to_string(exits) + " EXIT events, expected 1");
  return r;
}

void printEvents(const std::string& trace, uint64_t from, uint64_t to) {
  forEachEvent(trace, [&](const Event& ev) {
    if (ev.time_ns < from || ev.time_ns > to) return;
    std::printf("%" PRIu64 " %" PRIu64 " %-14s f=%x ", ev.seq, ev.time_ns,
                std::string(kindName(ev.kind)).c_str(), ev.flags);
    switch (ev.kind) {
      case EventKind::Vma:
        std::printf("sync=%" PRIu64 " %" PRIx64 "-%" PRIx64 " pgoff=%" PRIx64 " ino=%" PRIu64
                    " vm=%x %.*s",
                    ev.vma.sync_seq, ev.vma.start, ev.vma.end, ev.vma.pgoff, ev.vma.ino,
                    ev.vma.vm_flags, int(ev.text.size()), ev.text.data());
        break;
      case EventKind::VmaSync:
        std::printf("%" PRIx64 "-%" PRIx64 " count=%u", ev.vma_sync.start, ev.vma_sync.end,
                    ev.vma_sync.count);
        break;
      case EventKind::Pte:
        std::printf("%" PRIx64 " shift=%u nr=%zu", ev.pte.vaddr, ev.pte.shift, ev.entries.size());
        for (size_t i = 0; i < ev.entries.size() && i < 4; i++)
          std::printf(" %" PRIx64 "/%x", uint64_t(KMR_PTE_PFN(ev.entries[i])),
                      KMR_PTE_FLAGS(ev.entries[i]));
        break;
      case EventKind::PteUnmap:
        std::printf("%" PRIx64 "-%" PRIx64, ev.pte_unmap.start, ev.pte_unmap.end);
        break;
      case EventKind::Cow:
        std::printf("%" PRIx64 " %" PRIx64 "->%" PRIx64 " cf=%x", ev.cow.vaddr, ev.cow.old_pfn,
                    ev.cow.new_pfn, ev.cow.cow_flags);
        break;
      case EventKind::Fault:
        std::printf("%" PRIx64 " ip=%" PRIx64 " ff=%x tid=%u", ev.fault.vaddr, ev.fault.ip,
                    ev.fault.fault_flags, ev.fault.tid);
        break;
      case EventKind::Exec:
        std::printf("%.*s", int(ev.text.size()), ev.text.data());
        break;
      default:
        break;
    }
    std::printf("\n");
  });
}

void printProcesses(const std::string& trace) {
  TraceReader root(trace);
  for (const StreamInfo& si : root.streams()) {
    const ProcessInfo& p = si.process;
    std::unique_ptr<TraceReader> r = root.openStream(p.stream);
    std::string execs;
    int64_t code = -1;
    bool exited = false;
    uint64_t events = 0;
    forEachEvent(*r, [&](const Event& ev) {
      events++;
      if (ev.kind == EventKind::Exec) execs += (execs.empty() ? "" : ",") + std::string(ev.text);
      if (ev.kind == EventKind::Exit) {
        exited = true;
        code = ev.exit.code;
      }
    });
    std::printf("stream %u pid %u ppid %u parent %s comm %s execs %s exit %s events %" PRIu64 "\n",
                p.stream, p.pid, p.ppid,
                p.parent_stream ? std::to_string(*p.parent_stream).c_str() : "-",
                p.comm.empty() ? "-" : p.comm.c_str(), execs.empty() ? "-" : execs.c_str(),
                exited ? std::to_string(code).c_str() : "-", events);
  }
}

}  // namespace kmr::oracle
