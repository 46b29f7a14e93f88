// Template part of translate.h.
#pragma once

#include <cstring>
#include <span>

namespace kmr::recorder {

namespace detail {

// The record as its kind's layout, or nullptr (the reason in @why) when it
// is shorter than that.
template <typename T>
const T* as(const kmr_event& rec, const char** why) {
  if (rec.size < sizeof(T)) {
    *why = "record shorter than its kind's layout";
    return nullptr;
  }
  return reinterpret_cast<const T*>(&rec);
}

// Bytes after the fixed part of T.
template <typename T>
size_t tail(const kmr_event& rec) {
  return rec.size - sizeof(T);
}

// A PTE record, and the fault it may carry (KMR_PTE_F_FAULT): out[0] the
// PTE event with the cause alone in its flags, out[1] the FAULT, at the
// same seq and time.  Inline: a traced fault's one record (the call into
// translate.cpp was ~10 instructions a fault).
inline size_t translatePte(const kmr_event& rec, Event* out, const char** why) {
  const auto* r = as<kmr_ev_pte>(rec, why);
  if (!r) return 0;
  if (rec.flags & ~(KMR_PTE_CAUSE_MASK | KMR_PTE_F_FAULT)) {
    *why = "PTE record with unknown flags";
    return 0;
  }
  const bool fault = rec.flags & KMR_PTE_F_FAULT;
  const size_t room = tail<kmr_ev_pte>(rec), fault_bytes = fault ? sizeof(kmr_fault_info) : 0;
  if (room < fault_bytes || r->nr > (room - fault_bytes) / 8) {
    *why = "PTE run longer than the record";
    return 0;
  }
  const uint64_t seq = rec.seq, t = rec.time_ns;
  const auto* entries = reinterpret_cast<const uint64_t*>(r->entry);
  fillPte(out[0], seq, t, rec.flags & KMR_PTE_CAUSE_MASK, r->vaddr, r->shift,
          std::span<const uint64_t>(entries, r->nr));
  if (!fault) return 1;
  kmr_fault_info f;
  std::memcpy(&f, entries + r->nr, sizeof(f));
  fillFault(out[1], seq, t, 0, {f.vaddr, f.ip, f.fault_flags, f.tid});
  return 2;
}

}  // namespace detail

inline size_t translateRecord(const kmr_event& rec, Event out[kMaxEventsPerRecord],
                              const char** why) {
  if (rec.kind == KMR_EV_PTE) return detail::translatePte(rec, out, why);
  return detail::translateOne(rec, out, why) ? 1 : 0;
}

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
