// The whole recording (record.cpp: threads, the START/STOP protocol, file
// cleanup) against a fake device whose calls are scripted into the orders
// the module can produce.  Each case that names issue 9 aborted the
// recorder ("terminate called without an active exception", exit 134) or
// left a file behind before the fix.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>
#include <thread>

#include "fake_device.h"
#include "kmr/reader.h"
#include "record.h"

using namespace kmr;
using namespace kmr::recorder;
using kmr::recorder::test::FakeDevice;
using kmr::recorder::test::FakeDeviceRef;
using Catch::Matchers::Contains;

namespace {

struct TempPath {
  std::string path;
  TempPath() {
    char p[] = "/tmp/kmrrecXXXXXX";
    int fd = mkstemp(p);
    REQUIRE(fd >= 0);
    close(fd);
    unlink(p);  // kmemrec creates it
    path = p;
  }
  ~TempPath() { unlink(path.c_str()); }
  bool exists() const {
    struct stat st;
    return stat(path.c_str(), &st) == 0;
  }
};

Options options(const std::string& out) {
  Options o;
  o.pid = uint32_t(getpid());  // a process that exists: /proc is read for its name
  o.output = out;
  o.quiet = true;
  return o;
}

int record(const Options& o, FakeDevice& fake) {
  return runRecord(o, [&](const std::string&) { return std::make_unique<FakeDeviceRef>(fake); });
}

uint64_t eventsIn(const std::string& path) {
  TraceReader r(path);
  CHECK_FALSE(r.truncated());
  return r.eventCount();
}

}  // namespace

TEST_CASE("record: a whole recording against the fake device") {
  TempPath out;
  FakeDevice fake;
  fake.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.faults(100);
    f.exit(0);
  };
  CHECK(record(options(out.path), fake) == kExitOk);
  CHECK(eventsIn(out.path) == 103);
  CHECK(fake.stopCalls() == 1);
}

TEST_CASE("record (issue 9): STOP answers EINVAL before START took the session, START then works") {
  // SIGINT while the start thread has not yet entered START: the kernel
  // refuses that STOP (not started) and START runs afterwards.  The
  // recorder threw with the start thread still running: std::terminate.
  TempPath out;
  FakeDevice fake;
  fake.on_start = [](FakeDevice& f) {
    ::raise(SIGINT);
    f.waitStopCalls(1);
    f.snapshot();
    f.setStarted(true);
  };
  CHECK(record(options(out.path), fake) == kExitOk);
  CHECK(fake.stopCalls() >= 2);  // STOP again once START worked
  CHECK(eventsIn(out.path) == 2);  // the recording started: the snapshot stays
}

TEST_CASE("record (issue 9): SIGINT during START while the target dies") {
  // START gives up (the target exited; or STOP's STOPPING made it), and
  // the refused STOP comes back first.  The recorder read START's error
  // before the start thread had written it and aborted.
  TempPath out;
  for (int err : {ESRCH, EINTR}) {
    INFO("START fails with errno " << err);
    FakeDevice fake;
    fake.on_start = [err](FakeDevice& f) {
      f.snapshot();  // part of it made it into the rings
      ::raise(SIGINT);
      f.waitStopCalls(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      throw DeviceError(err, "start: fake failure");
    };
    REQUIRE_THROWS_WITH(record(options(out.path), fake),
                        Contains("interrupted before the recording started"));
    CHECK_FALSE(out.exists());
  }
}

TEST_CASE("record (issue 9): a stop before START skips it and leaves no file") {
  TempPath out;
  FakeDevice fake;
  fake.on_attach = [](FakeDevice&) { ::raise(SIGTERM); };
  REQUIRE_THROWS_WITH(record(options(out.path), fake),
                      Contains("interrupted before the recording started"));
  CHECK(fake.startCalls() == 0);
  CHECK_FALSE(out.exists());
}

TEST_CASE("record: SIGINT once START worked keeps the trace, however short") {
  // Before its first chunk reached the file, too: SIGINT finishes the file.
  TempPath out;
  FakeDevice fake;
  fake.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    ::raise(SIGINT);
  };
  CHECK(record(options(out.path), fake) == kExitOk);
  CHECK(eventsIn(out.path) == 2);
}

TEST_CASE("record: the target exits before START: a clear error and no file") {
  TempPath out;
  FakeDevice fake;
  fake.on_start = [](FakeDevice&) { throw DeviceError(ESRCH, "start: No such process"); };
  REQUIRE_THROWS_WITH(record(options(out.path), fake),
                      Contains("exited before recording could start"));
  CHECK_FALSE(out.exists());
}

TEST_CASE("record (issue 9): an error in the drain loop while START runs") {
  // The exception unwound past the running start thread: std::terminate.
  // Now STOP ends START, the thread is joined, the error is reported.
  TempPath out;
  FakeDevice fake;
  fake.on_attach = [](FakeDevice& f) { f.poll_error = EIO; };
  fake.on_start = [](FakeDevice& f) {
    f.waitStopCalls(1);
    throw DeviceError(EINTR, "start: Interrupted system call");
  };
  REQUIRE_THROWS_WITH(record(options(out.path), fake), Contains("poll"));
  CHECK_FALSE(out.exists());
}

TEST_CASE("record: an existing file is kept when nothing could be recorded before it was opened") {
  // The output is checked first; a failure before the trace writer
  // truncated it must not remove someone's file.
  TempPath out;
  {
    FILE* f = fopen(out.path.c_str(), "w");
    REQUIRE(f);
    fputs("precious\n", f);
    fclose(f);
  }
  FakeDevice fake;
  fake.on_attach = [](FakeDevice&) { throw DeviceError(EPERM, "permission denied: fake"); };
  REQUIRE_THROWS_WITH(record(options(out.path), fake), Contains("permission denied"));
  CHECK(out.exists());
}

TEST_CASE("record --lossless: a module without it is refused with a clear message, no file") {
  TempPath out;
  FakeDevice fake;  // features 0: an older module
  Options o = options(out.path);
  o.lossless = true;
  CHECK_THROWS_WITH(record(o, fake),
                    Contains("this module does not support --lossless: rebuild/reload it"));
  CHECK(fake.startCalls() == 0);
  CHECK_FALSE(out.exists());
}

TEST_CASE("record --lossless: ATTACH asks for it, the trace's index keeps the hold figures") {
  TempPath out;
  FakeDevice fake;
  fake.fake_features = KMR_FEAT_LOSSLESS;
  fake.fake_stats.held_ns = 2'500'000'000;
  fake.fake_stats.held_waits = 7;
  fake.fake_stats.lost_other = 0;
  fake.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.faults(100);
    f.exit(0);
  };
  Options o = options(out.path);
  o.lossless = true;
  CHECK(record(o, fake) == kExitOk);
  CHECK(fake.attach_flags == KMR_ATTACH_F_LOSSLESS);
  TraceReader r(out.path);
  REQUIRE(r.lossless());
  CHECK(r.lossless()->held_ns == 2'500'000'000);
  CHECK(r.lossless()->held_waits == 7);
  CHECK(r.lossless()->lost_other == 0);
}

TEST_CASE("record without --lossless: no flag, no hold figures in the trace") {
  TempPath out;
  FakeDevice fake;
  fake.fake_features = KMR_FEAT_LOSSLESS;
  fake.on_start = [](FakeDevice& f) {
    f.snapshot();
    f.setStarted(true);
    f.exit(0);
  };
  CHECK(record(options(out.path), fake) == kExitOk);
  CHECK(fake.attach_flags == 0);
  CHECK_FALSE(TraceReader(out.path).lossless());
}
