// RAII for file descriptors and read-only mappings.  Internal.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace kmr::detail {

class UniqueFd {
 public:
  UniqueFd() = default;
  explicit UniqueFd(int fd) : fd_(fd) {}
  ~UniqueFd() { reset(); }
  UniqueFd(UniqueFd&& o) noexcept : fd_(o.release()) {}
  UniqueFd& operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
      reset();
      fd_ = o.release();
    }
    return *this;
  }
  UniqueFd(const UniqueFd&) = delete;
  UniqueFd& operator=(const UniqueFd&) = delete;

  int get() const { return fd_; }
  int release() {
    int fd = fd_;
    fd_ = -1;
    return fd;
  }
  void reset();

 private:
  int fd_ = -1;
};

// Create (truncate) `path` for writing, mode 0600 even if it existed.
UniqueFd createPrivateFile(const std::string& path);
// Write all of the buffers at the end of the file; throws Error(Io).
void writeAll(int fd, std::span<const std::span<const uint8_t>> bufs, const std::string& path);

// The whole file mapped read-only (an empty file maps to an empty span).
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);  // throws Error(Io)
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const uint8_t> bytes() const { return {data_, size_}; }

 private:
  const uint8_t* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace kmr::detail
