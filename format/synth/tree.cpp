// A synthetic process tree (synth.h): one Synth per process, merged by time
// into one multi-stream trace, with the FORK records that create them.
#include <algorithm>
#include <memory>
#include <vector>

#include "kmr/error.h"
#include "synth/synth.h"

namespace kmr::synth {
namespace {

// Events per generator call: small, so the merge by time stays fine-grained.
constexpr size_t kBatch = 256;

struct Member {
  SynthOptions options;
  std::unique_ptr<Synth> synth;
  uint32_t stream = 0;
  std::vector<Event> batch;  // payload views valid until the next call
  size_t next = 0;           // in batch
  bool done = false;
  uint64_t written = 0;      // events appended (forks included)
  uint64_t seq_shift = 0;    // FORK records inserted: later seqs move up
  std::vector<uint32_t> children;  // member indices, in fork order
  size_t forked = 0;               // children forked so far

  // The next event, or null at the end.
  const Event* peek() {
    while (next >= batch.size()) {
      if (done || !synth->next(batch, kBatch)) {
        done = true;
        return nullptr;
      }
      next = 0;
    }
    return &batch[next];
  }
};

}  // namespace

void writeTree(const SynthOptions& o, TraceWriter& w) {
  const uint32_t n = o.processes;
  if (n < 2 || n > 1000) throw Error(Error::Code::Usage, "--processes: 2 to 1000");
  std::vector<Member> m(n);
  for (uint32_t k = 0; k < n; k++) {
    SynthOptions& c = m[k].options;
    c = o;
    c.processes = 1;
    c.events = std::max<uint64_t>(o.events / n, 200);
    if (k > 0) {
      c.seed = o.seed * 1000 + k;
      c.pid = o.pid + 1000 * k;
      c.exit_code = static_cast<int32_t>(k << 8);  // wait(): exited with status k
      c.lossless = false;
      m[(k - 1) / 2].children.push_back(k);
    }
  }
  m[0].synth = std::make_unique<Synth>(m[0].options);

  // Fork the parent's next child once it has written its share of events.
  auto forkDue = [&](const Member& p) {
    if (p.forked == p.children.size()) return false;
    uint32_t k = p.children[p.forked];
    return p.written >= p.options.events * k / (n + 1);
  };
  std::vector<uint32_t> live{0};
  while (!live.empty()) {
    // The member whose next event is earliest (ties: the lower stream).
    uint32_t best = UINT32_MAX;
    const Event* best_ev = nullptr;
    for (uint32_t k : live) {
      const Event* ev = m[k].peek();
      if (ev && (!best_ev || ev->time_ns < best_ev->time_ns)) {
        best = k;
        best_ev = ev;
      }
    }
    std::erase_if(live, [&](uint32_t k) { return m[k].done; });
    if (!best_ev) break;
    Member& p = m[best];
    // A parent that ends (EXIT) before forking every child forks the rest
    // first: a child needs a living parent.
    bool ending = best_ev->kind == EventKind::Exit ||
                  (best_ev->kind == EventKind::PteUnmap && best_ev->flags == KMR_UNMAP_RELEASE);
    while (forkDue(p) || (ending && p.forked < p.children.size())) {
      uint32_t k = p.children[p.forked++];
      Member& c = m[k];
      c.options.start_ns = best_ev->time_ns;
      c.synth = std::make_unique<Synth>(c.options);
      w.append(p.stream, makeFork(best_ev->seq + p.seq_shift, best_ev->time_ns, c.options.pid));
      p.seq_shift++;
      p.written++;
      ProcessInfo info;
      info.pid = c.options.pid;
      info.ppid = p.options.pid;
      info.parent_stream = p.stream;
      info.comm = "kmemsynth-child";
      info.cmdline = {"/usr/bin/kmemsynth-target", std::string(patternName(o.pattern)),
                      "--child", std::to_string(k)};
      info.binary = "/usr/bin/kmemsynth-target";
      info.start_ns = best_ev->time_ns;
      c.stream = w.addStream(info);
      live.push_back(k);
    }
    Event ev = *best_ev;
    ev.seq += p.seq_shift;
    w.append(p.stream, ev);
    p.next++;
    p.written++;
  }
}

}  // namespace kmr::synth
