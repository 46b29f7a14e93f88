// A streaming writer of the Chrome trace-event JSON format (the JSON Object
// Format: {"traceEvents": [...], "displayTimeUnit": ..., "otherData": ...}),
// as chrome://tracing and the Perfetto UI open it.  Events are appended one
// by one into a reused buffer and flushed in large writes: no DOM, no
// allocation per event once warm.
//
//   TraceEventWriter w(out);
//   w.start('B', "name", pid, tid, ts_ns).arg("start", "0x7f00").end();
//   w.start('C', "resident", pid, 0, ts_ns).arg("pages", 123).end();
//   w.finish(other_data);
//
// Timestamps are given in ns and written in microseconds with three
// decimals (the format's unit).  Strings are escaped, and bytes that are
// not UTF-8 become U+FFFD, so the file is valid JSON whatever a VMA name
// holds.
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>

namespace kmr::replayer {

class TraceEventWriter {
 public:
  explicit TraceEventWriter(std::ostream& out);
  ~TraceEventWriter();
  TraceEventWriter(const TraceEventWriter&) = delete;
  TraceEventWriter& operator=(const TraceEventWriter&) = delete;

  // Begin an event; add fields with arg()/field(), close it with end().
  TraceEventWriter& start(char ph, std::string_view name, uint32_t pid, uint32_t tid, uint64_t ts_ns);
  // A metadata event ("M"): process_name, thread_name, thread_sort_index...
  TraceEventWriter& meta(std::string_view name, uint32_t pid, uint32_t tid);
  // Top-level fields of the event (before any arg): "s", "dur", "cat", "id".
  TraceEventWriter& field(std::string_view key, std::string_view value);
  TraceEventWriter& fieldNs(std::string_view key, uint64_t ns);  // as microseconds
  // Entries of the event's "args" object.
  TraceEventWriter& arg(std::string_view key, std::string_view value);
  TraceEventWriter& arg(std::string_view key, const char* value) { return arg(key, std::string_view(value)); }
  TraceEventWriter& arg(std::string_view key, uint64_t value);
  TraceEventWriter& arg(std::string_view key, int64_t value);
  TraceEventWriter& arg(std::string_view key, double value);
  void end();

  // Close the array and write the other top-level members.  Call once.
  void finish(const nlohmann::json& other_data);

  uint64_t bytes() const { return written_ + buf_.size(); }
  uint64_t events() const { return events_; }

  // JSON string escaping with invalid UTF-8 replaced (exposed for tests).
  static void escape(std::string& out, std::string_view s);

 private:
  void flush();
  void key(std::string_view k);
  void micros(uint64_t ns);

  std::ostream& out_;
  std::string buf_;
  uint64_t written_ = 0;
  uint64_t events_ = 0;
  bool in_args_ = false;
  bool first_arg_ = true;
  bool finished_ = false;
};

}  // namespace kmr::replayer
