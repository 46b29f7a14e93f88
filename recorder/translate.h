// Ring records (abi.h struct kmr_ev_*) to the format library's events.
//
// The event model mirrors the records field for field, so this is mostly a
// checked copy: every record is validated against its kind's layout (sizes,
// counts, name lengths) before a field is read, because a record that lies
// about its length would make the writer read beyond it.  Payloads (names,
// PTE entries, page bytes) are views into the record: the Event is valid as
// long as the record's bytes are.  No allocation.
#pragma once

#include <string>

#include <kmemrec/abi.h>

#include "kmr/event.h"

namespace kmr::recorder {

// Most records are one event; a PTE record with KMR_PTE_F_FAULT (abi.h,
// issue 10) is two: its PTE event, then the FAULT it carries, both at the
// record's seq and time, as the module sent them before it folded them.
constexpr size_t kMaxEventsPerRecord = 2;

// Fills out[0..n) from @rec and returns n (1 or 2).  Returns 0, with the
// reason in @why (a static string), when the record is malformed.  PAD
// records are not events: they never reach this function (the ring
// consumer skips them).
// Inline (translate_inl.h): the writer thread runs it for every record.
inline size_t translateRecord(const kmr_event& rec, Event out[kMaxEventsPerRecord],
                              const char** why);

namespace detail {
// translateRecord() for every kind but PTE (translate.cpp).
bool translateOne(const kmr_event& rec, Event* out, const char** why);
}  // namespace detail

// Walks a batch of records (as BatchSink writes them) calling @fn(Event&)
// for each, and @bad(const kmr_event&, const char* why) for a record whose
// layout does not match its kind (the ring framing was checked by the
// consumer, so its size is right and the walk goes on).  Returns the
// number of events given to @fn (a record may give two).
template <typename Fn, typename Bad>
size_t forEachEvent(const uint8_t* data, size_t len, Fn&& fn, Bad&& bad);

// The same, calling @run(std::span<const Event>) once per run of up to
// kEventRun events instead of once per event: the writer thread appends a
// run with one call down to the encoder.  A malformed record ends the run
// before it (events and @bad calls keep the records' order).
constexpr size_t kEventRun = 64;
template <typename Run, typename Bad>
size_t forEachEventRun(const uint8_t* data, size_t len, Run&& run, Bad&& bad);

}  // namespace kmr::recorder

#include "translate_inl.h"
