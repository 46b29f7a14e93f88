#include "kmr/error.h"

#include <cstring>

namespace kmr {

void throwErrno(const std::string& what, int err) {
  throw Error(Error::Code::Io, what + ": " + std::strerror(err));
}

}  // namespace kmr
