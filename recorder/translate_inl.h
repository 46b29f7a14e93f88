// Template part of translate.h.
#pragma once

namespace kmr::recorder {

template <typename Fn, typename Bad>
size_t forEachEvent(const uint8_t* data, size_t len, Fn&& fn, Bad&& bad) {
  size_t off = 0, n = 0;
  Event ev[kMaxEventsPerRecord];
  while (off + sizeof(kmr_event) <= len) {
    const auto* rec = reinterpret_cast<const kmr_event*>(data + off);
    if (rec->size < sizeof(kmr_event) || rec->size > len - off) {
      bad(*rec, "record size outside the batch");
      return n;  // cannot find the next record
    }
    const char* why = nullptr;
    if (size_t k = translateRecord(*rec, ev, &why)) {
      for (size_t i = 0; i < k; i++) fn(ev[i]);
      n += k;
    } else {
      bad(*rec, why);
    }
    off += rec->size;
  }
  return n;
}

}  // namespace kmr::recorder
