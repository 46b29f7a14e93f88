// The whole recording (record.cpp: threads, the START/STOP protocol, file
// cleanup) against a fake device whose calls are scripted into the orders
// the module can produce.
#include <catch2/catch.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <string>

#include "fake_device.h"
#include "kmr/reader.h"
#include "record.h"

using namespace kmr;
using namespace kmr::rec;
using kmr::rec::test::FakeDevice;
using kmr::rec::test::FakeDeviceRef;
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
