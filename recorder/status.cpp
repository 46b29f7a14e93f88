#include "status.h"

#include <kmemrec/abi.h>

#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <sstream>

#include "base/state_render.h"
#include "base/style.h"

namespace kmr::recorder {

std::string humanCount(uint64_t n) {
  char b[32];
  if (n < 1000)
    std::snprintf(b, sizeof(b), "%" PRIu64, n);
  else if (n < 1'000'000)
    std::snprintf(b, sizeof(b), "%.1fk", n / 1e3);
  else if (n < 1'000'000'000)
    std::snprintf(b, sizeof(b), "%.2fM", n / 1e6);
  else
    std::snprintf(b, sizeof(b), "%.2fG", n / 1e9);
  return b;
}

std::string humanBytes(uint64_t n) {
  char b[32];
  if (n < 1024)
    std::snprintf(b, sizeof(b), "%" PRIu64 " B", n);
  else if (n < (1u << 20))
    std::snprintf(b, sizeof(b), "%.1f KiB", n / 1024.0);
  else if (n < (1ull << 30))
    std::snprintf(b, sizeof(b), "%.2f MiB", n / 1048576.0);
  else
    std::snprintf(b, sizeof(b), "%.2f GiB", n / 1073741824.0);
  return b;
}

std::string formatStatus(const StatusSnapshot& s) {
  char b[200];
  std::string per_event = "-";
  if (s.written_events) {
    char p[32];
    std::snprintf(p, sizeof(p), "%.1f B/event", double(s.file_bytes) / double(s.written_events));
    per_event = p;
  }
  std::snprintf(b, sizeof(b), "%7.1fs  %s events  %s/s  lost %s  %s  %s", s.elapsed_s,
                humanCount(s.events).c_str(), humanCount(uint64_t(s.events_per_s)).c_str(),
                humanCount(s.lost).c_str(), humanBytes(s.file_bytes).c_str(), per_event.c_str());
  return b;
}

std::string renderLive(const ShadowState& st, uint64_t start, uint64_t end, double elapsed_s) {
  std::ostringstream out;
  char b[64];
  std::snprintf(b, sizeof(b), "--- kmemrec --live  t=%.1fs\n", elapsed_s);
  out << b;
  StateRenderOptions ro;
  ro.start = start;
  ro.end = (start || end) ? end : UINT64_MAX;
  ro.legend = false;
  printState(out, st, ro, Style::detect());
  return out.str();
}

}  // namespace kmr::recorder

namespace kmr::recorder {

std::string formatLossless(const LosslessTotals& l, uint64_t lost) {
  char b[256];
  std::snprintf(b, sizeof(b),
                "  lossless: target held %.1f ms in %" PRIu64 " waits; lost while lossless: %" PRIu64
                " (%" PRIu64 " from kernel threads)",
                l.held_ns / 1e6, l.held_waits, lost, l.lost_other);
  return b;
}

bool summaryHasLoss(const Summary& s) {
  return s.lost || s.ring_lost || s.gaps || s.late || s.rejected || s.incomplete_drain;
}

std::string formatSummary(const Summary& s) {
  std::string out;
  char b[512];
  std::snprintf(b, sizeof(b), "kmemrec: recorded pid %u (%s) for %.1f s: %s.\n", s.pid,
                s.comm.c_str(), s.elapsed_s, s.end_reason.c_str());
  out += b;
  if (!s.target_fate.empty()) out += "  target " + s.target_fate + "\n";
  // The trace's events, as kmemreplay counts them: since ABI 3 a ring
  // record can carry two (a PTE and the fault that set it), so the ring
  // records are said separately when they differ.
  const uint64_t events = s.written ? s.written : s.events;
  double rate = s.elapsed_s > 0 ? events / s.elapsed_s : 0;
  std::string records =
      s.events != events ? " from " + std::to_string(s.events) + " ring records" : "";
  std::snprintf(b, sizeof(b), "  %" PRIu64 " events%s (%s/s), %" PRIu64 " lost; module saw %" PRIu64
                " faults, %" PRIu64 " CoW\n",
                events, records.c_str(), humanCount(uint64_t(rate)).c_str(), s.lost,
                s.module_faults, s.module_cow);
  out += b;
  if (s.lossless) out += formatLossless(*s.lossless, s.lost) + "\n";
  if (!s.output.empty()) {
    std::snprintf(b, sizeof(b), "  %s: %s, %.2f B/event, %" PRIu64 " chunks, %" PRIu64
                  " keyframes\n",
                  s.output.c_str(), humanBytes(s.file_bytes).c_str(),
                  s.written ? double(s.file_bytes) / double(s.written) : 0.0, s.chunks,
                  s.keyframes);
    out += b;
  }
  for (const std::string& line : s.flight) out += line + "\n";
  // CPU per million events only when there are enough events for the
  // figure to mean something: a short recording's CPU is mostly attach,
  // START's snapshot and start-up.
  char per_m[64] = "";
  if (s.events >= 100000)
    std::snprintf(per_m, sizeof(per_m), ", %.2f s per million events",
                  s.cpu_s * 1e6 / double(s.events));
  std::snprintf(b, sizeof(b), "  recorder: %.2f s CPU (%.2f user)%s; peak RSS %s "
                "(rings %s mapped), anonymous %s\n",
                s.cpu_s, s.cpu_user_s, per_m,
                humanBytes(s.peak_rss).c_str(), humanBytes(s.ring_bytes).c_str(),
                humanBytes(s.peak_anon).c_str());
  out += b;
  if (!summaryHasLoss(s)) return out;
  out += "\n"
         "kmemrec: WARNING: ******** THE TRACE IS INCOMPLETE ********\n";
  if (s.lost || s.ring_lost) {
    std::snprintf(b, sizeof(b),
                  "kmemrec: WARNING: %" PRIu64 " events were LOST (the module dropped %" PRIu64
                  " records with full rings).\n"
                  "kmemrec: WARNING: kmemreplay marks the state they touched UNKNOWN until the "
                  "next resync;\n"
                  "kmemrec: WARNING: record again with a larger --buffer-size (now per CPU) or "
                  "a narrower --range/--events.\n",
                  std::max(s.lost, s.ring_lost), s.ring_lost);
    out += b;
  }
  if (s.gaps || s.late) {
    std::snprintf(b, sizeof(b),
                  "kmemrec: WARNING: %" PRIu64 " times a sequence number never arrived within 1 s"
                  " (written as LOST); %" PRIu64 " records came too late and were dropped.\n"
                  "kmemrec: WARNING: this is a module bug: please report it with the kernel "
                  "version.\n",
                  s.gaps, s.late);
    out += b;
  }
  if (s.incomplete_drain)
    out += "kmemrec: WARNING: at stop, records the module had numbered never reached the "
           "rings.\n";
  if (s.rejected) {
    std::snprintf(b, sizeof(b),
                  "kmemrec: WARNING: %" PRIu64 " records could not be stored (first: %s).\n",
                  s.rejected, s.first_rejection.c_str());
    out += b;
  }
  return out;
}

}  // namespace kmr::recorder
