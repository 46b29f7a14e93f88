// kmemrec -f's hand-over (process_tree.cpp) against fake devices scripted
// as the module behaves (abi.h, KMR_ATTACH_F_FOLLOW): a FORK with
// KMR_FORK_F_HELD names a child that must get its own FOLLOW session,
// STARTed, before the parent's session releases it; a parent that exits
// first keeps its session until then.  The module's side is tested for
// real in the guest (tests/guest/cases/kcore_follow.sh, tree_record.sh).
#include <catch2/catch.hpp>

#include <unistd.h>

#include <atomic>
#include <map>
#include <mutex>

#include "fake_device.h"
#include "process_tree.h"

using namespace kmr;
using namespace kmr::recorder;
using kmr::recorder::test::FakeDevice;
using kmr::recorder::test::FakeDeviceRef;

namespace {

// Streams in memory: what each process's writer thread appended.
class MemoryTree : public TreeTrace {
 public:
  uint32_t addProcess(const ProcessEntry& p) override {
    std::lock_guard l(mu_);
    entries.push_back(p);
    return uint32_t(entries.size() - 1);
  }
  std::unique_ptr<TraceSink> sink(uint32_t stream) override {
    return std::make_unique<Sink>(*this, stream);
  }
  size_t count(uint32_t stream, EventKind k) {
    std::lock_guard l(mu_);
    size_t n = 0;
    for (const auto& [s, kind] : events)
      n += s == stream && kind == k;
    return n;
  }
  std::vector<ProcessEntry> entries;
  std::vector<std::pair<uint32_t, EventKind>> events;
  std::mutex mu_;

 private:
  class Sink : public TraceSink {
   public:
    Sink(MemoryTree& t, uint32_t s) : t_(t), s_(s) {}
    using TraceSink::append;
    void append(const Event& ev) override {
      std::lock_guard l(t_.mu_);
      t_.events.push_back({s_, ev.kind});
      stats_.events++;
    }
    void flush() override {}
    void finish(uint64_t, const std::optional<LosslessTotals>&) override {}
    const WriterStats& stats() const override { return stats_; }
    const ShadowState& state() const override { return state_; }

   private:
    MemoryTree& t_;
    uint32_t s_;
    WriterStats stats_{};
    ShadowState state_;
  };
};

}  // namespace

TEST_CASE("process tree: a held child is attached, started, then released; the parent waits") {
  Options o;
  o.quiet = true;
  FakeDevice root, child;
  std::atomic<bool> child_started{false};
  std::atomic<bool> released_before_child_start{false};
  std::atomic<bool> root_stopped_before_release{false};
  root.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.faults(3);
    f.fork(4243, KMR_FORK_F_HELD);
    // The parent exits at once: the child is still being attached.
    f.exit(0);
  };
  root.on_release = [&](uint32_t) {
    if (!child_started) released_before_child_start = true;
  };
  root.on_stop = [&](FakeDevice& f) {
    if (f.released().empty()) root_stopped_before_release = true;
  };
  child.on_start = [&](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    child_started = true;
    f.faults(5);
    f.exit(0);
  };
  MemoryTree trace;
  std::atomic<int> opened{0};
  ProcessTree::Config c;
  c.options = &o;
  c.open_device = [&](const std::string&) -> std::unique_ptr<SessionDevice> {
    opened++;
    return std::make_unique<FakeDeviceRef>(child);
  };
  c.trace = &trace;
  c.stop_fd = -1;
  std::vector<ProcessOutcome> out;
  {
    ProcessTree tree(c);
    ProcessEntry e;
    e.pid = 4242;
    e.comm = "server";
    tree.addRoot(std::make_unique<FakeDeviceRef>(root), e, {});
    out = tree.join();
  }
  REQUIRE(out.size() == 2);
  CHECK(opened == 1);
  CHECK((child.attach_flags & KMR_ATTACH_F_FOLLOW));
  CHECK(root.released() == std::vector<uint32_t>{4243});
  CHECK_FALSE(released_before_child_start);
  CHECK_FALSE(root_stopped_before_release);
  CHECK(out[0].recorded);
  CHECK(out[0].exited);
  CHECK(out[1].recorded);
  CHECK(out[1].entry.pid == 4243);
  CHECK(out[1].entry.ppid == 4242);
  CHECK(out[1].entry.parent_stream == 0);
  CHECK(out[1].stream == 1);
  CHECK(trace.count(0, EventKind::Fork) == 1);
  CHECK(trace.count(0, EventKind::Fault) == 3);
  CHECK(trace.count(1, EventKind::Fault) == 5);
  CHECK(trace.count(1, EventKind::Exit) == 1);
}

TEST_CASE("process tree: --max-procs releases the children beyond it without following them") {
  Options o;
  o.quiet = true;
  FakeDevice root;
  root.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.fork(100, KMR_FORK_F_HELD);
    f.fork(101, KMR_FORK_F_HELD);
    f.exit(0);
  };
  MemoryTree trace;
  std::atomic<int> opened{0};
  ProcessTree::Config c;
  c.options = &o;
  c.open_device = [&](const std::string&) -> std::unique_ptr<SessionDevice> {
    opened++;
    throw DeviceError(ESRCH, "no such process");
  };
  c.trace = &trace;
  c.max_procs = 1;  // the root alone
  std::vector<ProcessOutcome> out;
  uint64_t not_followed;
  {
    ProcessTree tree(c);
    ProcessEntry e;
    e.pid = 99;
    tree.addRoot(std::make_unique<FakeDeviceRef>(root), e, {});
    out = tree.join();
    not_followed = tree.notFollowed();
  }
  CHECK(out.size() == 1);
  CHECK(opened == 0);
  CHECK(not_followed == 2);
  CHECK(root.released() == std::vector<uint32_t>{100, 101});
}

TEST_CASE("process tree: a child that cannot be attached is released and said why") {
  Options o;
  o.quiet = true;
  FakeDevice root;
  root.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.fork(7, KMR_FORK_F_HELD);
    f.exit(0);
  };
  MemoryTree trace;
  ProcessTree::Config c;
  c.options = &o;
  c.open_device = [&](const std::string&) -> std::unique_ptr<SessionDevice> {
    throw DeviceError(EPERM, "attach: Operation not permitted");
  };
  c.trace = &trace;
  std::vector<ProcessOutcome> out;
  {
    ProcessTree tree(c);
    ProcessEntry e;
    e.pid = 6;
    tree.addRoot(std::make_unique<FakeDeviceRef>(root), e, {});
    out = tree.join();
  }
  REQUIRE(out.size() == 2);
  CHECK_FALSE(out[1].recorded);
  CHECK_THAT(out[1].error, Catch::Contains("not permitted"));
  CHECK(root.released() == std::vector<uint32_t>{7});
}
