// Helpers shared by the unit tests (not part of any library): temporary
// directories, file bytes, a sample header, event lists that own payloads.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "kmr/event.h"
#include "kmr/header.h"

namespace kmr::testing {

// A directory removed with its contents at scope exit.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "kmr-test-XXXXXX").string();
    if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  std::string file(const std::string& name) const { return (path_ / name).string(); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

inline std::vector<uint8_t> readBytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

inline void writeBytes(const std::string& path, const std::vector<uint8_t>& b) {
  // A new file, not a truncated one: ext4 flushes truncated-and-rewritten
  // files on close (auto_da_alloc), which made the flip test crawl.
  std::error_code ec;
  std::filesystem::remove(path, ec);
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

// Overwrite one byte in place (no truncation, no new blocks).
inline void patchByte(const std::string& path, size_t pos, uint8_t value) {
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  f.seekp(static_cast<std::streamoff>(pos));
  f.put(static_cast<char>(value));
}

inline TraceHeader sampleHeader() {
  TraceHeader h;
  h.abi_version = 1;
  h.kernel_release = "6.1.0-test-amd64";
  h.host = "testhost";
  h.pid = 4242;
  h.comm = "target";
  h.cmdline = {"./target", "--flag", ""};
  h.page_size = 4096;
  h.start_mono_ns = 1'000'000'000;
  h.start_real_ns = 1'700'000'000'000'000'000;
  h.recorder_options = "--test";
  h.recorder = "unit test";
  h.event_mask = 31;
  return h;
}

// Owns the payloads that events point at.
struct EventList {
  std::vector<Event> events;
  // deques: references stay valid as they grow.
  std::deque<std::vector<uint64_t>> entries;
  std::deque<std::string> texts;
  std::deque<std::vector<uint8_t>> datas;

  EventList() = default;
  EventList(const EventList&) = delete;
  const std::vector<uint64_t>& keep(std::vector<uint64_t> e) {
    entries.push_back(std::move(e));
    return entries.back();
  }
  std::string_view keep(std::string s) {
    texts.push_back(std::move(s));
    return texts.back();
  }
  const std::vector<uint8_t>& keepData(std::vector<uint8_t> d) {
    datas.push_back(std::move(d));
    return datas.back();
  }
};

}  // namespace kmr::testing
