#include "kmr/time_spec.h"

#include <cinttypes>
#include <cstdio>

#include "kmr/error.h"

namespace kmr {
namespace {

[[noreturn]] void syntax(std::string_view s) {
  throw Error(Error::Code::Syntax,
              "bad time '" + std::string(s) +
                  "': expected e.g. 2.5s, 1500ms, 250us, 100ns, 37%, event:N, mono:NS, start or end");
}

bool parseUint(std::string_view s, uint64_t& out) {
  if (s.empty() || s.size() > 20) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return false;
    v = v * 10 + d;
  }
  out = v;
  return true;
}

bool startsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

}  // namespace

TimeSpec parseTimeSpec(std::string_view s) {
  TimeSpec t;
  t.text = std::string(s);
  if (s == "start") {
    t.kind = TimeSpec::Kind::Start;
    return t;
  }
  if (s == "end") {
    t.kind = TimeSpec::Kind::End;
    return t;
  }
  if (startsWith(s, "event:")) {
    t.kind = TimeSpec::Kind::Event;
    if (!parseUint(s.substr(6), t.event)) syntax(s);
    return t;
  }
  if (startsWith(s, "mono:")) {
    t.kind = TimeSpec::Kind::Mono;
    if (!parseUint(s.substr(5), t.ns)) syntax(s);
    return t;
  }
  if (!s.empty() && s.back() == '%') {
    std::string num(s.substr(0, s.size() - 1));
    if (num.empty() || num.find_first_not_of("0123456789.") != std::string::npos) syntax(s);
    char* end = nullptr;
    t.percent = std::strtod(num.c_str(), &end);
    if (*end) syntax(s);
    t.kind = TimeSpec::Kind::Percent;
    return t;
  }
  uint64_t unit;
  size_t ulen;
  if (s.ends_with("ms")) unit = 1000000, ulen = 2;
  else if (s.ends_with("us")) unit = 1000, ulen = 2;
  else if (s.ends_with("ns")) unit = 1, ulen = 2;
  else if (s.ends_with("s")) unit = 1000000000, ulen = 1;
  else syntax(s);
  std::string_view num = s.substr(0, s.size() - ulen);
  size_t dot = num.find('.');
  std::string_view ip = num.substr(0, dot), fp = dot == num.npos ? "" : num.substr(dot + 1);
  uint64_t whole = 0, frac = 0;
  if (ip.empty() && fp.empty()) syntax(s);
  if (!ip.empty() && !parseUint(ip, whole)) syntax(s);
  if (dot != num.npos && (fp.empty() || fp.size() > 9 || !parseUint(fp, frac))) syntax(s);
  if (whole > UINT64_MAX / unit) syntax(s);
  uint64_t ns = whole * unit;
  // frac / 10^len of a unit, truncated to whole ns.
  uint64_t scale = 1;
  for (size_t i = 0; i < fp.size(); i++) scale *= 10;
  ns += static_cast<uint64_t>(static_cast<unsigned __int128>(frac) * unit / scale);
  t.kind = TimeSpec::Kind::Relative;
  t.ns = ns;
  return t;
}

std::string formatSeconds(int64_t ns) {
  char buf[48];
  uint64_t a = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%06" PRIu64 "s", ns < 0 ? "-" : "",
                a / 1000000000, a % 1000000000 / 1000);
  return buf;
}

Instant resolveTime(const TimeSpec& spec, const Replay& replay) {
  const TraceReader& r = replay.reader();
  uint64_t start = r.startNs(), end = r.endNs();
  auto outside = [&](const std::string& what) {
    throw Error(Error::Code::Range,
                what + " is outside the trace, which spans 0s to " +
                    formatSeconds(static_cast<int64_t>(end - start)) + " (mono:" +
                    std::to_string(start) + " to mono:" + std::to_string(end) + ", " +
                    std::to_string(replay.eventCount()) + " events)");
  };
  Instant in;
  in.text = spec.text;
  uint64_t t = 0;
  switch (spec.kind) {
    case TimeSpec::Kind::Start:
      t = start;
      break;
    case TimeSpec::Kind::End:
      in.position = replay.eventCount();
      in.mono_ns = end;
      return in;
    case TimeSpec::Kind::Event:
      if (spec.event > replay.eventCount()) outside("event:" + std::to_string(spec.event));
      in.position = spec.event;
      in.mono_ns = spec.event ? replay.timeOfEvent(spec.event - 1) : start;
      return in;
    case TimeSpec::Kind::Relative:
      if (spec.ns > end - start) outside("time " + spec.text);
      t = start + spec.ns;
      break;
    case TimeSpec::Kind::Percent:
      if (spec.percent < 0 || spec.percent > 100) outside(spec.text);
      t = start + static_cast<uint64_t>(static_cast<double>(end - start) * spec.percent / 100.0);
      break;
    case TimeSpec::Kind::Mono:
      if (spec.ns < start || spec.ns > end) outside(spec.text);
      t = spec.ns;
      break;
  }
  in.mono_ns = t;
  in.position = replay.positionAtTime(t);
  return in;
}

}  // namespace kmr
