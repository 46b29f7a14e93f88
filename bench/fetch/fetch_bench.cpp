// fetch_bench: how fast kmemfetch reads another process's memory, next to
// the kernel's own ways of doing it, in the same run on the same range.
//
//   fetch_bench [--size MiB] [--reps N] [--iters N]
//
// A child maps --size MiB of anonymous memory, fills it with a pattern (so
// every page is present and distinct) and waits.  The parent reads the whole
// range with each method --reps times (best and median MB/s, every result
// checked against the pattern), then times --iters single 8-byte reads per
// method (mean ns per read).  Methods:
//   pread      pread() on a /dev/kmemrec session attached to the child
//   ioctl-gup  KMR_IOC_MEM, KMR_MEM_GUP (one call per module cap, 4 MiB)
//   ioctl-walk KMR_IOC_MEM, KMR_MEM_WALK (latency only: one page per call)
//   pvr        process_vm_readv()
//   proc-mem   pread() on /proc/PID/mem
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

#include "base/device.h"

namespace {

using Clock = std::chrono::steady_clock;

uint64_t pattern(uint64_t off) { return off * 0x9E3779B97F4A7C15ull ^ 0x6b6d656d66657463ull; }

struct Child {
  pid_t pid = -1;
  uint64_t base = 0;
  ~Child() {
    if (pid > 0) {
      kill(pid, SIGKILL);
      waitpid(pid, nullptr, 0);
    }
  }
};

// Starts the child; returns once its range is filled.
void startChild(Child& c, size_t bytes) {
  int p[2];
  if (pipe(p)) throw std::runtime_error("pipe");
  c.pid = fork();
  if (c.pid < 0) throw std::runtime_error("fork");
  if (c.pid == 0) {
    close(p[0]);
    auto* m = static_cast<uint64_t*>(
        mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    if (m == MAP_FAILED) _exit(1);
    madvise(m, bytes, MADV_NOHUGEPAGE);  // 4 KiB pages: the common case
    for (size_t i = 0; i < bytes / 8; i++) m[i] = pattern(i * 8);
    uint64_t a = reinterpret_cast<uintptr_t>(m);
    if (write(p[1], &a, sizeof(a)) != sizeof(a)) _exit(1);
    for (;;) pause();
  }
  close(p[1]);
  if (read(p[0], &c.base, sizeof(c.base)) != sizeof(c.base))
    throw std::runtime_error("child failed to map its memory");
  close(p[0]);
}

bool check(const std::vector<uint8_t>& buf) {
  const auto* w = reinterpret_cast<const uint64_t*>(buf.data());
  for (size_t i = 0; i < buf.size() / 8; i++)
    if (w[i] != pattern(i * 8)) return false;
  return true;
}

using ReadFn = std::function<size_t(uint64_t addr, uint8_t* buf, size_t len)>;

struct Bulk {
  std::vector<double> mbs;
  bool ok = true;
  double best() const { return *std::max_element(mbs.begin(), mbs.end()); }
  double median() const {
    std::vector<double> v = mbs;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
  }
};

// One timed read of the whole range into @buf, checked.
void bulkOnce(const ReadFn& fn, uint64_t base, std::vector<uint8_t>& buf, Bulk& b) {
  std::memset(buf.data(), 0, buf.size());
  auto t0 = Clock::now();
  size_t done = fn(base, buf.data(), buf.size());
  double s = std::chrono::duration<double>(Clock::now() - t0).count();
  b.ok = b.ok && done == buf.size() && check(buf);
  b.mbs.push_back(buf.size() / 1e6 / s);
}

double latency(const ReadFn& fn, uint64_t addr, int iters) {
  uint8_t buf[8];
  fn(addr, buf, 8);  // warm up (page tables, caches)
  auto t0 = Clock::now();
  for (int i = 0; i < iters; i++)
    if (fn(addr, buf, 8) != 8) return -1;
  return std::chrono::duration<double, std::nano>(Clock::now() - t0).count() / iters;
}

std::string cpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  return "?";
}

}  // namespace

int main(int argc, char** argv) {
  size_t mib = 64;
  int reps = 5, iters = 20000;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string o = argv[i];
    if (o == "--size") mib = std::stoul(argv[i + 1]);
    else if (o == "--reps") reps = std::stoi(argv[i + 1]);
    else if (o == "--iters") iters = std::stoi(argv[i + 1]);
    else {
      std::fprintf(stderr, "usage: fetch_bench [--size MiB] [--reps N] [--iters N]\n");
      return 2;
    }
  }
  try {
    size_t bytes = mib << 20;
    Child child;
    startChild(child, bytes);
    uint32_t pid = static_cast<uint32_t>(child.pid);

    kmr::Device ses, dev;  // ses: attached (pread); dev: pid-addressed ioctls
    kmr::AttachParams ap;
    ap.pid = pid;
    ap.ring_size = KMR_RING_SIZE_MIN;
    ap.event_mask = KMR_MASK_MEM_WRITE;
    ses.attach(ap);
    std::string procmem = "/proc/" + std::to_string(pid) + "/mem";
    int memfd = open(procmem.c_str(), O_RDONLY | O_CLOEXEC);
    if (memfd < 0) throw std::runtime_error("open " + procmem + ": " + std::strerror(errno));

    auto loopRead = [](auto one) {
      return [one](uint64_t a, uint8_t* b, size_t n) {
        size_t done = 0;
        while (done < n) {
          ssize_t r = one(a + done, b + done, n - done);
          if (r <= 0) break;
          done += static_cast<size_t>(r);
        }
        return done;
      };
    };
    ReadFn pread_fd = loopRead([&](uint64_t a, uint8_t* b, size_t n) {
      return ::pread(ses.fd(), b, n, static_cast<off_t>(a));
    });
    ReadFn gup = loopRead([&](uint64_t a, uint8_t* b, size_t n) {
      return static_cast<ssize_t>(dev.mem(pid, KMR_MEM_GUP, 0, a, b, n));
    });
    ReadFn walk = loopRead([&](uint64_t a, uint8_t* b, size_t n) {
      return static_cast<ssize_t>(dev.mem(pid, KMR_MEM_WALK, 0, a, b, n));
    });
    ReadFn pvr = loopRead([&](uint64_t a, uint8_t* b, size_t n) {
      iovec l{b, n}, r{reinterpret_cast<void*>(a), n};
      return process_vm_readv(static_cast<pid_t>(pid), &l, 1, &r, 1, 0);
    });
    ReadFn proc = loopRead([&](uint64_t a, uint8_t* b, size_t n) {
      return ::pread(memfd, b, n, static_cast<off_t>(a));
    });

    utsname u{};
    uname(&u);
    time_t now = time(nullptr);
    char date[64];
    strftime(date, sizeof(date), "%Y-%m-%d %H:%M:%S UTC", gmtime(&now));
    std::printf("fetch_bench: %s %s, %s, %ld CPU(s), %s\n", u.sysname, u.release,
                cpuModel().c_str(), sysconf(_SC_NPROCESSORS_ONLN), date);
    std::printf("bulk read of %zu MiB (4 KiB pages, all present), %d rounds, methods"
                " interleaved, rotating order:\n", mib, reps);
    std::printf("  %-10s %10s %10s  %s\n", "method", "best MB/s", "median", "data");
    bool all_ok = true;
    struct {
      const char* name;
      const ReadFn* fn;
      Bulk b;
    } methods[] = {{"pread", &pread_fd, {}}, {"ioctl-gup", &gup, {}}, {"pvr", &pvr, {}},
                   {"proc-mem", &proc, {}}};
    std::vector<uint8_t> buf(bytes);
    constexpr int kMethods = sizeof(methods) / sizeof(methods[0]);
    for (int r = 0; r < reps; r++)  // each round starts with another method
      for (int i = 0; i < kMethods; i++) bulkOnce(*methods[(r + i) % kMethods].fn, child.base,
                                                    buf, methods[(r + i) % kMethods].b);
    for (auto& m : methods) {
      all_ok = all_ok && m.b.ok;
      std::printf("  %-10s %10.0f %10.0f  %s\n", m.name, m.b.best(), m.b.median(),
                  m.b.ok ? "ok" : "WRONG");
    }
    std::printf("single 8-byte read, mean of %d:\n", iters);
    struct {
      const char* name;
      const ReadFn* fn;
    } lat[] = {{"ioctl-walk", &walk}, {"ioctl-gup", &gup}, {"pread", &pread_fd},
               {"pvr", &pvr},         {"proc-mem", &proc}};
    for (auto& m : lat) {
      double ns = latency(*m.fn, child.base + 4096 * 7 + 16, iters);
      all_ok = all_ok && ns > 0;
      std::printf("  %-10s %10.0f ns\n", m.name, ns);
    }
    close(memfd);
    return all_ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "fetch_bench: error: %s\n", e.what());
    return 1;
  }
}
