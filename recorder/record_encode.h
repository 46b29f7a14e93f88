// Events back to ring records (abi.h layout): the inverse of translate.h.
// Not used while recording; it lets tests and bench/recorder feed the
// consumer exactly what the module writes, from synthetic or recorded
// traces.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kmr/event.h"

namespace kmr::recorder {

// Bytes the record of @ev takes (8-byte aligned), 0 for kinds that have no
// ring record (Gap).
size_t recordSize(const Event& ev);

// Writes the record of @ev into @out (recordSize(ev) bytes, 8-byte
// aligned, zero padded).  Returns the size, 0 if it does not fit or has no
// record.
size_t encodeRecord(const Event& ev, void* out, size_t cap);

}  // namespace kmr::recorder
