#include "trace_event_writer.h"

#include "utf8.h"

#include <charconv>
#include <cmath>

namespace kmr::replayer {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

}  // namespace

TraceEventWriter::TraceEventWriter(std::ostream& out) : out_(out) {
  buf_.reserve(kFlushBytes + 4096);
  buf_ += "{\"traceEvents\":[\n";
}

TraceEventWriter::~TraceEventWriter() {
  if (!finished_) {
    try {
      finish(nlohmann::json::object());
    } catch (...) {
    }
  }
}

void TraceEventWriter::escape(std::string& o, std::string_view s) {
  static const char* hex = "0123456789abcdef";
  for (size_t i = 0; i < s.size();) {
    unsigned char ch = static_cast<unsigned char>(s[i]);
    if (ch == '"' || ch == '\\') {
      o += '\\';
      o += static_cast<char>(ch);
      i++;
    } else if (ch < 0x20) {
      o += "\\u00";
      o += hex[ch >> 4];
      o += hex[ch & 15];
      i++;
    } else {
      size_t n = utf8Length(s, i);
      if (n == 0) {
        o += "\\ufffd";
        i++;
      } else {
        o.append(s.data() + i, n);
        i += n;
      }
    }
  }
}

void TraceEventWriter::micros(uint64_t ns) {
  char b[32];
  auto r = std::to_chars(b, b + sizeof b, ns / 1000);
  buf_.append(b, r.ptr);
  unsigned frac = static_cast<unsigned>(ns % 1000);
  if (frac) {
    buf_ += '.';
    buf_ += static_cast<char>('0' + frac / 100);
    buf_ += static_cast<char>('0' + frac / 10 % 10);
    buf_ += static_cast<char>('0' + frac % 10);
  }
}

TraceEventWriter& TraceEventWriter::start(char ph, std::string_view name, uint32_t pid,
                                          uint32_t tid, uint64_t ts_ns) {
  if (events_) buf_ += ",\n";
  buf_ += "{\"ph\":\"";
  buf_ += ph;
  buf_ += "\",\"name\":\"";
  escape(buf_, name);
  buf_ += "\",\"pid\":";
  char b[24];
  buf_.append(b, std::to_chars(b, b + sizeof b, pid).ptr);
  buf_ += ",\"tid\":";
  buf_.append(b, std::to_chars(b, b + sizeof b, tid).ptr);
  buf_ += ",\"ts\":";
  micros(ts_ns);
  in_args_ = false;
  first_arg_ = true;
  events_++;
  return *this;
}

TraceEventWriter& TraceEventWriter::meta(std::string_view name, uint32_t pid, uint32_t tid) {
  return start('M', name, pid, tid, 0);
}

void TraceEventWriter::key(std::string_view k) {
  if (!in_args_) {
    buf_ += ",\"args\":{";
    in_args_ = true;
  }
  if (!first_arg_) buf_ += ',';
  first_arg_ = false;
  buf_ += '"';
  escape(buf_, k);
  buf_ += "\":";
}

TraceEventWriter& TraceEventWriter::field(std::string_view k, std::string_view v) {
  buf_ += ",\"";
  escape(buf_, k);
  buf_ += "\":\"";
  escape(buf_, v);
  buf_ += '"';
  return *this;
}

TraceEventWriter& TraceEventWriter::fieldNs(std::string_view k, uint64_t ns) {
  buf_ += ",\"";
  escape(buf_, k);
  buf_ += "\":";
  micros(ns);
  return *this;
}

TraceEventWriter& TraceEventWriter::arg(std::string_view k, std::string_view v) {
  key(k);
  buf_ += '"';
  escape(buf_, v);
  buf_ += '"';
  return *this;
}

TraceEventWriter& TraceEventWriter::arg(std::string_view k, uint64_t v) {
  key(k);
  char b[24];
  buf_.append(b, std::to_chars(b, b + sizeof b, v).ptr);
  return *this;
}

TraceEventWriter& TraceEventWriter::arg(std::string_view k, int64_t v) {
  key(k);
  char b[24];
  buf_.append(b, std::to_chars(b, b + sizeof b, v).ptr);
  return *this;
}

TraceEventWriter& TraceEventWriter::arg(std::string_view k, double v) {
  key(k);
  if (!std::isfinite(v)) v = 0;
  char b[32];
  buf_.append(b, std::to_chars(b, b + sizeof b, v).ptr);
  return *this;
}

void TraceEventWriter::end() {
  if (in_args_) buf_ += '}';
  buf_ += '}';
  in_args_ = false;
  if (buf_.size() >= kFlushBytes) flush();
}

void TraceEventWriter::flush() {
  out_.write(buf_.data(), static_cast<std::streamsize>(buf_.size()));
  written_ += buf_.size();
  buf_.clear();
}

void TraceEventWriter::finish(const nlohmann::json& other) {
  if (finished_) return;
  finished_ = true;
  buf_ += "\n],\n\"displayTimeUnit\":\"ms\",\n\"otherData\":";
  buf_ += other.dump();
  buf_ += "}\n";
  flush();
  out_.flush();
}

}  // namespace kmr::replayer
