// The one error type of the format library.  Expected outcomes are return
// values; an Error is a fault: the OS refused, the bytes are not a trace, the
// trace is damaged, or the caller asked for something outside the trace.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kmr {

class Error : public std::runtime_error {
 public:
  enum class Code {
    Io,         // the OS refused (open, read, write); message has strerror
    NotATrace,  // the bytes are not a .kmr file
    Version,    // a newer format than this library reads
    Damaged,    // a checksum, size or structure check failed
    Range,      // a time or position outside the trace
    Syntax,     // a malformed argument (time spec, kind name)
    Usage,      // the API was called in a way it does not allow
  };

  Error(Code code, const std::string& what) : std::runtime_error(what), code_(code) {}
  Code code() const { return code_; }

 private:
  Code code_;
};

// "open foo.kmr: No such file or directory"
[[noreturn]] void throwErrno(const std::string& what, int err);

}  // namespace kmr
