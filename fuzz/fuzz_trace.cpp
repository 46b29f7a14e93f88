#include "fuzz_trace.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <typeinfo>

#include "kmr/error.h"

#ifndef KMR_FUZZ_FIXTURES
#error "KMR_FUZZ_FIXTURES (the fixtures directory) must be defined"
#endif

namespace kmr::fuzz {

const std::string& inputPath(const uint8_t* data, size_t size) {
  static int fd = -1;
  static std::string path;
  if (fd < 0) {
    fd = ::memfd_create("kmr-fuzz-input.kmr", MFD_CLOEXEC);
    if (fd < 0) {
      std::perror("memfd_create");
      std::abort();
    }
    path = "/proc/self/fd/" + std::to_string(fd);
  }
  if (::ftruncate(fd, 0) != 0 || (size && ::pwrite(fd, data, size, 0) != ssize_t(size))) {
    std::perror("writing the fuzz input");
    std::abort();
  }
  return path;
}

const std::string& scratchDir() {
  static std::string dir = [] {
    const char* base = std::getenv("TMPDIR");
    std::string t = std::string(base && *base ? base : "/tmp") + "/kmr-fuzz-XXXXXX";
    if (!::mkdtemp(t.data())) {
      std::perror("mkdtemp");
      std::abort();
    }
    return t;
  }();
  return dir;
}

std::string fixture(const std::string& name) { return std::string(KMR_FUZZ_FIXTURES) + "/" + name; }

void expectClearErrors(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error&) {
    // What kmemreplay turns into "error: ..." with a useful message.
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmr-fuzz: an exception other than kmr::Error escaped: %s: %s\n",
                 typeid(e).name(), e.what());
    std::abort();
  } catch (...) {
    std::fprintf(stderr, "kmr-fuzz: a non-std exception escaped\n");
    std::abort();
  }
}

void runViews(const uint8_t* data, size_t size,
              std::initializer_list<std::pair<bool, View>> views) {
  const std::string& path = inputPath(data, size);
  expectClearErrors([&] {
    TraceReader reader(path);
    Replay replay(reader);
    for (const auto& v : views) {
      NullStream out;
      replayer::ViewContext ctx{reader, replay, out, Style{}, v.first, {}};
      expectClearErrors([&] { v.second(ctx); });
    }
  });
}

}  // namespace kmr::fuzz
