#include "kmr/file_io.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <climits>
#include <unistd.h>

#include <cerrno>
#include <vector>

#include "kmr/error.h"

namespace kmr::detail {

void UniqueFd::reset() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

UniqueFd createPrivateFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
  if (fd.get() < 0) throwErrno("create " + path, errno);
  // O_CREAT's mode does not apply to an existing file: traces hold physical
  // frame numbers, so never leave one readable by others.
  if (::fchmod(fd.get(), 0600) != 0) throwErrno("chmod " + path, errno);
  return fd;
}

void writeAll(int fd, std::span<const std::span<const uint8_t>> bufs, const std::string& path) {
  std::vector<iovec> iov;
  iov.reserve(bufs.size());
  for (auto b : bufs)
    if (!b.empty()) iov.push_back({const_cast<uint8_t*>(b.data()), b.size()});
  size_t i = 0;
  while (i < iov.size()) {
    int n = static_cast<int>(std::min<size_t>(iov.size() - i, IOV_MAX));
    ssize_t w = ::writev(fd, &iov[i], n);
    if (w < 0) {
      if (errno == EINTR) continue;
      throwErrno("write " + path, errno);
    }
    auto left = static_cast<size_t>(w);
    while (i < iov.size() && left >= iov[i].iov_len) {
      left -= iov[i].iov_len;
      i++;
    }
    if (left) {
      iov[i].iov_base = static_cast<uint8_t*>(iov[i].iov_base) + left;
      iov[i].iov_len -= left;
    }
  }
}

MappedFile::MappedFile(const std::string& path) {
  UniqueFd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) throwErrno("open " + path, errno);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) throwErrno("stat " + path, errno);
  if (S_ISDIR(st.st_mode)) throw Error(Error::Code::Io, "open " + path + ": Is a directory");
  if (!S_ISREG(st.st_mode))
    throw Error(Error::Code::Io, "open " + path + ": not a regular file");
  size_ = static_cast<size_t>(st.st_size);
  if (size_ == 0) return;
  void* p = ::mmap(nullptr, size_, PROT_READ, MAP_PRIVATE, fd.get(), 0);
  if (p == MAP_FAILED) throwErrno("mmap " + path, errno);
  data_ = static_cast<const uint8_t*>(p);
}

MappedFile::~MappedFile() {
  if (data_) ::munmap(const_cast<uint8_t*>(data_), size_);
}

}  // namespace kmr::detail
