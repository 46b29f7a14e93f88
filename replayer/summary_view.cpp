// The default view: what the trace is and holds.
#include <cstdio>
#include <ctime>

#include <nlohmann/json.hpp>

#include "kmr/error.h"
#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/table.h"
#include "views.h"

namespace kmr::replayer {
namespace {

std::string utcText(uint64_t real_ns) {
  time_t secs = static_cast<time_t>(real_ns / 1000000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

// How the trace ends, from its last chunk.
struct TraceEnd {
  // The position just before the final EXIT (the address space as the
  // target left it), or the end when it did not exit.
  uint64_t position = 0;
  // The fatal signal the target took (SIGNAL record), if the chunk has one.
  bool has_signal = false;
  SignalData signal{};
  uint32_t signal_flags = 0;
  uint64_t signal_ns = 0;
};

TraceEnd traceEnd(const Replay& replay) {
  TraceEnd end;
  const auto& chunks = replay.reader().chunks();
  if (chunks.empty()) return end;
  ChunkEvents events;
  end.position = replay.eventCount();
  try {
    replay.reader().loadChunk(chunks.size() - 1, events);
    Event ev;
    uint64_t o = chunks.back().first_event;
    while (events.next(ev)) {
      if (ev.kind == EventKind::Exit || (ev.kind == EventKind::PteUnmap &&
                                         ev.flags == KMR_UNMAP_RELEASE))
        end.position = std::min(end.position, o);
      if (ev.kind == EventKind::Signal) {
        end.has_signal = true;
        end.signal = ev.signal;
        end.signal_flags = ev.flags;
        end.signal_ns = ev.time_ns;
      }
      o++;
    }
  } catch (const Error&) {
    end = TraceEnd{replay.eventCount()};
  }
  return end;
}

}  // namespace

void runSummary(const SummaryOptions&, ViewContext& ctx) {
  const TraceReader& r = ctx.reader;
  const TraceHeader& h = r.header();
  // The summary vouches for the whole file: every frame's checksum.
  std::vector<Damage> bad = r.verify();
  ctx.damage.insert(ctx.damage.end(), bad.begin(), bad.end());
  TraceTotals t = ctx.replay.totals();
  uint64_t events = r.eventCount();
  TraceEnd how = traceEnd(ctx.replay);
  ShadowState end = ctx.replay.stateAt(how.position, &ctx.damage);
  uint64_t lost_gaps = t.by_kind[KMR_EV_LOST];
  double per_event = events ? static_cast<double>(r.fileSize()) / static_cast<double>(events) : 0;
  double overhead = r.fileSize() ? 100.0 * static_cast<double>(r.keyframeBytes() + r.indexBytes()) /
                                       static_cast<double>(r.fileSize())
                                 : 0;
  std::string status = r.hasIndex() ? "complete" : r.truncated() ? "truncated" : "no index";
  std::string checked = bad.empty() ? "every frame verified"
                                    : std::to_string(bad.size()) +
                                          (bad.size() == 1 ? " frame" : " frames") + " damaged";
  std::string exit_text = end.exited() ? "exited" : "";
  bool exited = t.by_kind[KMR_EV_EXIT] > 0;
  uint64_t duration = r.endNs() - r.startNs();

  if (ctx.json) {
    nlohmann::json kinds = nlohmann::json::object();
    for (unsigned k = 0; k < kEventKindSlots; k++)
      if (isStoredKind(k)) kinds[std::string(kindName(static_cast<EventKind>(k)))] = t.by_kind[k];
    nlohmann::json ops = nlohmann::json::object();
    for (int k = 0; k < kVmaOpKinds; k++)
      ops[std::string(vmaOpName(static_cast<VmaOpKind>(k)))] = t.vma_ops[k];
    nlohmann::json cmd = h.cmdline;
    nlohmann::json j{
                   {"trace", r.path()},
                   {"format_version", h.format_version},
                   {"status", status},
                   {"damaged_frames", bad.size()},
                   {"file_bytes", r.fileSize()},
                   {"bytes_per_event", per_event},
                   {"index_keyframe_percent", overhead},
                   {"chunks", r.chunks().size()},
                   {"keyframes", r.keyframes().size()},
                   {"target", {{"pid", h.pid}, {"comm", h.comm}, {"cmdline", cmd}}},
                   {"kernel_release", h.kernel_release},
                   {"host", h.host},
                   {"abi_version", h.abi_version},
                   {"recorder", h.recorder},
                   {"recorder_options", h.recorder_options},
                   {"pfns_hidden", h.pfns_hidden},
                   {"range", {h.range_start, h.range_end}},
                   {"start_mono_ns", r.startNs()},
                   {"start_real_ns", h.start_real_ns},
                   {"end_mono_ns", r.endNs()},
                   {"duration_ns", duration},
                   {"events", events},
                   {"events_by_kind", kinds},
                   {"vma_ops", ops},
                   {"lost_events", lost_gaps},
                   {"lost_records", t.lost_records},
                   {"exited", exited},
                   {"vmas_at_end", end.vmas().size()},
                   {"present_pages_at_end", end.pages().presentPages()}};
    // Only in --lossless recordings: other traces print as they always did.
    if (const auto& l = r.lossless())
      j["lossless"] = {{"held_ns", l->held_ns},
                       {"held_waits", l->held_waits},
                       {"lost_other", l->lost_other}};
    if (how.has_signal)
      j["fatal_signal"] = {{"signal", signalText(how.signal.signo)},
                           {"signo", how.signal.signo},
                           {"code", how.signal.code},
                           {"code_name", signalCodeText(how.signal.signo, how.signal.code)},
                           {"addr", how.signal.addr},
                           {"tid", how.signal.tid},
                           {"coredump", (how.signal_flags & KMR_SIGNAL_F_COREDUMP) != 0},
                           {"mono_ns", how.signal_ns}};
    if (const auto& f = r.flight())
      j["flight"] = {{"cause", f->cause},
                     {"trigger_mono_ns", f->trigger_ns},
                     {"window_start_mono_ns", f->window_start_ns},
                     {"limit_bytes", f->limit_bytes},
                     {"dropped_bytes", f->dropped_bytes},
                     {"sequence", f->sequence}};
    ctx.out << j.dump(2) << '\n';
    return;
  }

  const Style& st = ctx.style;
  std::string cmd;
  for (const std::string& a : h.cmdline) cmd += (cmd.empty() ? "" : " ") + a;
  Table info;
  info.columns({"", ""}, {});
  info.row({st.bold("trace"), r.path() + " (" + bytesText(r.fileSize()) + ", format " +
                                  std::to_string(h.format_version) + ", " + status + ", " +
                                  checked + ")"});
  info.row({st.bold("target"), "pid " + std::to_string(h.pid) + " " + h.comm +
                                   (cmd.empty() ? "" : ": " + cmd)});
  if (r.streams().size() > 1) {
    // One process of several (--pid): where it sits in the recording.
    const ProcessInfo& p = r.streamInfo().process;
    info.row({st.bold("process"),
              "one of " + std::to_string(r.streams().size()) + " in the trace" +
                  (p.ppid ? ", parent pid " + std::to_string(p.ppid) : std::string()) +
                  ", started at " +
                  formatSeconds(p.start_ns > r.startNs() ? static_cast<int64_t>(p.start_ns - r.startNs())
                                                         : 0) +
                  " (the tree: without --pid)"});
  }
  info.row({st.bold("kernel"), h.kernel_release + " on " + h.host + " (ABI " +
                                   std::to_string(h.abi_version) + ")"});
  info.row({st.bold("recorder"), h.recorder + (h.recorder_options.empty() ? "" : " " + h.recorder_options)});
  if (h.pfns_hidden)
    info.row({st.bold("PFNs"), "hidden: recorded without CAP_SYS_ADMIN, every physical frame "
                               "number is 0 (as /proc/pid/pagemap shows them)"});
  info.row({st.bold("started"), utcText(h.start_real_ns) + " (mono:" + std::to_string(r.startNs()) + ")"});
  // The span runs to when recording stopped if the recorder said so; the
  // last event may be well before (a target sleeping, --duration, Ctrl-C).
  std::string last_event;
  if (r.recordingEndNs() > r.lastEventNs())
    last_event = ", when recording stopped; last event at " +
                 formatSeconds(static_cast<int64_t>(r.lastEventNs() - r.startNs()));
  info.row({st.bold("duration"), formatSeconds(static_cast<int64_t>(duration)) + " (to mono:" +
                                     std::to_string(r.endNs()) + last_event + ")"});
  info.row({st.bold("range"), h.range_start == 0 && h.range_end == 0
                                  ? std::string("whole address space")
                                  : hex(h.range_start) + "-" + hex(h.range_end)});
  char per[64];
  std::snprintf(per, sizeof per, "%.2f bytes/event; index+keyframes %.1f%%", per_event, overhead);
  info.row({st.bold("events"), std::to_string(events) + " in " + std::to_string(r.chunks().size()) +
                                   " chunks, " + std::to_string(r.keyframes().size()) +
                                   " keyframes (" + per + ")"});
  info.row({st.bold("lost"), lost_gaps ? std::to_string(t.lost_records) + " records in " +
                                             std::to_string(lost_gaps) +
                                             (lost_gaps == 1 ? " gap" : " gaps")
                                       : std::string("none")});
  if (const auto& l = r.lossless()) {
    char held[160];
    std::snprintf(held, sizeof held,
                  "target held %.1f ms in %llu waits; lost while lossless: %llu (%llu from "
                  "kernel threads)",
                  static_cast<double>(l->held_ns) / 1e6,
                  static_cast<unsigned long long>(l->held_waits),
                  static_cast<unsigned long long>(t.lost_records),
                  static_cast<unsigned long long>(l->lost_other));
    info.row({st.bold("lossless"), held});
  }
  if (const auto& f = r.flight()) {
    // Times as everywhere here: from the recording's start.
    auto rel = [&](uint64_t ns) {
      return formatSeconds(ns > r.startNs() ? static_cast<int64_t>(ns - r.startNs()) : 0);
    };
    std::string what = "written on: " + f->cause + " at " + rel(f->trigger_ns) + "; window " +
                       rel(f->window_start_ns) + " to " + rel(r.endNs()) + " of the recording";
    what += f->dropped_bytes ? ", " + bytesText(f->dropped_bytes) + " of trace before it dropped (last " +
                                   bytesText(f->limit_bytes) + " kept)"
                             : " (the whole recording)";
    if (f->sequence) what += "; file " + std::to_string(f->sequence) + " of --trigger-repeat";
    info.row({st.bold("flight"), what});
  }
  if (how.has_signal) {
    std::string what = signalText(how.signal.signo) +
                       (how.signal.addr ? " at " + hex(how.signal.addr) : "") + " (" +
                       signalCodeText(how.signal.signo, how.signal.code) + ", tid " +
                       std::to_string(how.signal.tid) +
                       ") at " +
                       formatSeconds(how.signal_ns > r.startNs()
                                         ? static_cast<int64_t>(how.signal_ns - r.startNs())
                                         : 0) +
                       ((how.signal_flags & KMR_SIGNAL_F_COREDUMP) ? ": core dump, then exit"
                                                                   : ": then exit");
    info.row({st.bold("signal"), what});
  }
  info.row({st.bold(exited ? "at exit" : "at end"),
            std::to_string(end.vmas().size()) + " VMAs, " +
                std::to_string(end.pages().presentPages()) + " present pages (" +
                bytesText(end.pages().presentPages() * 4096) + ")" +
                (end.unknownPages().empty() && end.unknownVmas().empty() ? "" : ", partly unknown")});
  info.print(ctx.out);

  ctx.out << '\n';
  Table kinds;
  kinds.columns({"EVENTS", "COUNT"}, {Table::Align::Left, Table::Align::Right});
  for (unsigned k = 0; k < kEventKindSlots; k++)
    if (isStoredKind(k) && t.by_kind[k])
      kinds.row({std::string(kindName(static_cast<EventKind>(k))), std::to_string(t.by_kind[k])});
  kinds.print(ctx.out);
  ctx.out << '\n';
  Table ops;
  ops.columns({"VMA OPS", "COUNT"}, {Table::Align::Left, Table::Align::Right});
  for (int k = 0; k < kVmaOpKinds; k++)
    ops.row({std::string(vmaOpName(static_cast<VmaOpKind>(k))), std::to_string(t.vma_ops[k])});
  ops.print(ctx.out);
}

}  // namespace kmr::replayer
