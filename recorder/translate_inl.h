// Template part of translate.h.
#pragma once

#include <span>

namespace kmr::recorder {

template <typename Run, typename Bad>
size_t forEachEventRun(const uint8_t* data, size_t len, Run&& run, Bad&& bad) {
  static_assert(kEventRun >= kMaxEventsPerRecord);
  size_t off = 0, n = 0, used = 0;
  Event ev[kEventRun];
  while (off + sizeof(kmr_event) <= len) {
    if (used > kEventRun - kMaxEventsPerRecord) {
      run(std::span<const Event>(ev, used));
      used = 0;
    }
    const auto* rec = reinterpret_cast<const kmr_event*>(data + off);
    if (rec->size < sizeof(kmr_event) || rec->size > len - off) {
      if (used) run(std::span<const Event>(ev, used));
      bad(*rec, "record size outside the batch");
      return n;  // cannot find the next record
    }
    const char* why = nullptr;
    if (size_t k = translateRecord(*rec, ev + used, &why)) {
      used += k;
      n += k;
    } else {
      if (used) run(std::span<const Event>(ev, used));
      used = 0;
      bad(*rec, why);
    }
    off += rec->size;
  }
  if (used) run(std::span<const Event>(ev, used));
  return n;
}

template <typename Fn, typename Bad>
size_t forEachEvent(const uint8_t* data, size_t len, Fn&& fn, Bad&& bad) {
  return forEachEventRun(
      data, len,
      [&](std::span<const Event> evs) {
        for (const Event& e : evs) fn(e);
      },
      bad);
}

}  // namespace kmr::recorder
