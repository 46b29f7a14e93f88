// Support for the kmemreplay fuzz targets (fuzz/*_fuzz.cpp).
//
// Each target gets the input bytes as a .kmr file (a memfd, opened by path
// like any file kmemreplay reads) and runs one view over it.  The rule they
// check: bad input gives a kmr::Error, which kmemreplay prints as
// "kmemreplay: error: ..." (exit 1) or as warnings with exit 2, never
// another exception (its message would mean nothing to a user), a crash, a
// hang or unbounded memory (libFuzzer's -timeout and -rss_limit_mb, see
// README.md).  Sanitizers (ASan, UBSan) turn memory and UB bugs into
// crashes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <ostream>
#include <streambuf>
#include <string>

#include "kmr/reader.h"
#include "kmr/replay.h"
#include "view_context.h"

namespace kmr::fuzz {

// A stream that only counts what is written (views can write a lot).
class NullStream : public std::ostream {
 public:
  NullStream() : std::ostream(&buf_) {}
  uint64_t bytes() const { return buf_.n; }

 private:
  struct Buf : std::streambuf {
    uint64_t n = 0;
    int overflow(int c) override {
      n++;
      return c;
    }
    std::streamsize xsputn(const char*, std::streamsize k) override {
      n += static_cast<uint64_t>(k);
      return k;
    }
  } buf_;
};

// The input as a file: its path stays the same for the whole process.
const std::string& inputPath(const uint8_t* data, size_t size);

// A scratch directory for files a view writes (--svg, --perfetto).
const std::string& scratchDir();

// Committed fixture traces (tests/cli/fixtures), e.g. for compare.
std::string fixture(const std::string& name);

// Runs @fn; a kmr::Error is the expected outcome for bad input; any other
// exception is reported and aborts (a finding).
void expectClearErrors(const std::function<void()>& fn);

// Opens the input as a trace and runs @view with a fresh context (plain
// text, or JSON), each view call under expectClearErrors.
using View = std::function<void(replayer::ViewContext& ctx)>;
void runViews(const uint8_t* data, size_t size, std::initializer_list<std::pair<bool, View>> views);

}  // namespace kmr::fuzz
