// The summary of a trace of several processes (kmemrec -f): the trace as a
// whole, then the process tree with each process's figures and the totals.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <ctime>
#include <functional>

#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/table.h"
#include "kmr/error.h"
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

// One process's row: from the index, or a replay of its stream.
struct Row {
  const StreamInfo* info = nullptr;
  StreamFacts facts;
  unsigned depth = 0;
};

// The binary a process ran last: its last exec, else what it was started as.
std::string binaryOf(const Row& r) {
  if (!r.facts.last_exec.empty()) return r.facts.last_exec;
  if (!r.info->process.binary.empty()) return r.info->process.binary;
  return r.info->process.cmdline.empty() ? std::string("-") : r.info->process.cmdline.front();
}

// Streams in tree order (parents before children, children by id), each
// with its depth; streams whose parent was not recorded are roots.
std::vector<std::pair<uint32_t, unsigned>> treeOrder(const std::vector<StreamInfo>& s) {
  std::vector<std::vector<uint32_t>> kids(s.size());
  std::vector<uint32_t> roots;
  for (const StreamInfo& i : s) {
    const auto& p = i.process.parent_stream;
    if (p && *p < i.process.stream) kids[*p].push_back(i.process.stream);
    else roots.push_back(i.process.stream);
  }
  std::vector<std::pair<uint32_t, unsigned>> out;
  std::function<void(uint32_t, unsigned)> visit = [&](uint32_t id, unsigned depth) {
    out.emplace_back(id, depth);
    for (uint32_t k : kids[id]) visit(k, depth + 1);
  };
  for (uint32_t r : roots) visit(r, 0);
  return out;
}

}  // namespace

std::string processLabel(const StreamInfo& s) {
  const ProcessInfo& p = s.process;
  std::string t = "pid " + std::to_string(p.pid) + " " + (p.comm.empty() ? "?" : p.comm);
  if (p.ppid) t += " (parent " + std::to_string(p.ppid) + ")";
  if (!s.declared) t += " (its process frame is lost)";
  return t;
}

std::string pidList(const TraceReader& r) {
  std::string t;
  for (const StreamInfo& s : r.streams())
    t += (t.empty() ? "" : ", ") + std::to_string(s.process.pid) +
         (s.process.comm.empty() ? "" : " (" + s.process.comm + ")");
  return t;
}

uint32_t streamOfPid(const TraceReader& r, uint32_t pid) {
  for (const StreamInfo& s : r.streams())
    if (s.process.pid == pid) return s.process.stream;
  throw UsageError("--pid " + std::to_string(pid) + ": no such process in " + r.path() +
                   "; its processes: " + pidList(r));
}

void runProcessTree(ViewContext& ctx) {
  const TraceReader& r = ctx.reader;
  const TraceHeader& h = r.header();
  std::vector<Damage> bad = r.verify();
  ctx.damage.insert(ctx.damage.end(), bad.begin(), bad.end());

  std::vector<Row> rows;
  StreamFacts total;
  uint64_t chunks = 0, keyframes = 0, end_ns = r.endNs();
  for (auto [id, depth] : treeOrder(r.streams())) {
    Row row;
    row.info = &r.streams()[id];
    row.depth = depth;
    auto sr = r.openStream(id);
    Replay rp(*sr);
    row.facts = rp.facts();
    ctx.damage.insert(ctx.damage.end(), rp.damageSeen().begin(), rp.damageSeen().end());
    chunks += sr->chunks().size();
    keyframes += sr->keyframes().size();
    end_ns = std::max(end_ns, sr->endNs());
    const TraceTotals& t = row.facts.totals;
    total.totals.events += t.events;
    for (size_t k = 0; k < t.by_kind.size(); k++) total.totals.by_kind[k] += t.by_kind[k];
    total.totals.lost_records += t.lost_records;
    rows.push_back(std::move(row));
  }
  uint64_t page = h.page_size ? h.page_size : 4096;
  uint64_t events = total.totals.events;
  uint64_t lost_gaps = total.totals.by_kind[KMR_EV_LOST];
  double per_event = events ? static_cast<double>(r.fileSize()) / static_cast<double>(events) : 0;
  double overhead = r.fileSize() ? 100.0 * static_cast<double>(r.keyframeBytes() + r.indexBytes()) /
                                       static_cast<double>(r.fileSize())
                                 : 0;
  std::string status = r.hasIndex() ? "complete" : r.truncated() ? "truncated" : "no index";
  auto rel = [&](uint64_t ns) {
    return formatSeconds(ns > r.startNs() ? static_cast<int64_t>(ns - r.startNs()) : 0);
  };
  auto exitText = [](const StreamFacts& f) {
    return f.exited ? waitStatusText(f.exit_code) : std::string("-");
  };

  if (ctx.json) {
    nlohmann::json procs = nlohmann::json::array();
    for (const Row& row : rows) {
      const ProcessInfo& p = row.info->process;
      const TraceTotals& t = row.facts.totals;
      nlohmann::json j{{"pid", p.pid},
                       {"ppid", p.ppid},
                       {"stream", p.stream},
                       {"comm", p.comm},
                       {"cmdline", p.cmdline},
                       {"binary", binaryOf(row)},
                       {"start_mono_ns", p.start_ns},
                       {"exited", row.facts.exited},
                       {"events", t.events},
                       {"faults", t.by_kind[KMR_EV_FAULT]},
                       {"cow", t.by_kind[KMR_EV_COW]},
                       {"forks", t.by_kind[KMR_EV_FORK]},
                       {"lost_records", t.lost_records},
                       {"peak_present_pages", row.facts.peak_pages}};
      if (p.parent_stream) j["parent_stream"] = *p.parent_stream;
      if (row.facts.exited) {
        j["exit_code"] = row.facts.exit_code;  // as wait() reports it
        j["exit"] = waitStatusText(row.facts.exit_code);
      }
      if (!row.info->declared) j["declared"] = false;
      procs.push_back(std::move(j));
    }
    nlohmann::json j{{"trace", r.path()},
                     {"format_version", h.format_version},
                     {"status", status},
                     {"damaged_frames", bad.size()},
                     {"file_bytes", r.fileSize()},
                     {"chunks", chunks},
                     {"keyframes", keyframes},
                     {"kernel_release", h.kernel_release},
                     {"host", h.host},
                     {"abi_version", h.abi_version},
                     {"recorder", h.recorder},
                     {"recorder_options", h.recorder_options},
                     {"start_mono_ns", r.startNs()},
                     {"start_real_ns", h.start_real_ns},
                     {"end_mono_ns", end_ns},
                     {"events", events},
                     {"faults", total.totals.by_kind[KMR_EV_FAULT]},
                     {"cow", total.totals.by_kind[KMR_EV_COW]},
                     {"lost_records", total.totals.lost_records},
                     {"processes", procs}};
    ctx.out << j.dump(2) << '\n';
    return;
  }

  const Style& st = ctx.style;
  std::string checked = bad.empty() ? "every frame verified"
                                    : std::to_string(bad.size()) +
                                          (bad.size() == 1 ? " frame" : " frames") + " damaged";
  std::string cmd;
  for (const std::string& a : h.cmdline) cmd += (cmd.empty() ? "" : " ") + a;
  Table info;
  info.columns({"", ""}, {});
  info.row({st.bold("trace"), r.path() + " (" + bytesText(r.fileSize()) + ", format " +
                                  std::to_string(h.format_version) + ", " + status + ", " +
                                  checked + ")"});
  info.row({st.bold("processes"), std::to_string(rows.size()) + "; recorded from pid " +
                                      std::to_string(h.pid) + " " + h.comm +
                                      (cmd.empty() ? "" : ": " + cmd)});
  info.row({st.bold("kernel"), h.kernel_release + " on " + h.host + " (ABI " +
                                   std::to_string(h.abi_version) + ")"});
  info.row({st.bold("recorder"),
            h.recorder + (h.recorder_options.empty() ? "" : " " + h.recorder_options)});
  info.row({st.bold("started"),
            utcText(h.start_real_ns) + " (mono:" + std::to_string(r.startNs()) + ")"});
  info.row({st.bold("duration"), rel(end_ns) + " (to mono:" + std::to_string(end_ns) + ")"});
  info.row({st.bold("range"), h.range_start == 0 && h.range_end == 0
                                  ? std::string("whole address space")
                                  : hex(h.range_start) + "-" + hex(h.range_end)});
  char per[64];
  std::snprintf(per, sizeof per, "%.2f bytes/event; index+keyframes %.1f%%", per_event, overhead);
  info.row({st.bold("events"), std::to_string(events) + " in " + std::to_string(chunks) +
                                   " chunks, " + std::to_string(keyframes) + " keyframes (" +
                                   per + ")"});
  info.row({st.bold("lost"), lost_gaps ? std::to_string(total.totals.lost_records) +
                                             " records in " + std::to_string(lost_gaps) +
                                             (lost_gaps == 1 ? " gap" : " gaps")
                                       : std::string("none")});
  info.print(ctx.out);
  ctx.out << '\n';

  using A = Table::Align;
  Table t;
  t.columns({"PID", "PPID", "NAME", "BINARY", "START", "EXIT", "EVENTS", "FAULTS", "COW",
             "PEAK RESIDENT"},
            {A::Left, A::Right, A::Left, A::Left, A::Right, A::Right, A::Right, A::Right,
             A::Right, A::Right});
  for (const Row& row : rows) {
    const ProcessInfo& p = row.info->process;
    const TraceTotals& x = row.facts.totals;
    t.row({std::string(2 * row.depth, ' ') + std::to_string(p.pid),
           p.ppid ? std::to_string(p.ppid) : std::string("-"), p.comm.empty() ? "?" : p.comm,
           binaryOf(row), rel(p.start_ns), exitText(row.facts), std::to_string(x.events),
           std::to_string(x.by_kind[KMR_EV_FAULT]), std::to_string(x.by_kind[KMR_EV_COW]),
           bytesText(row.facts.peak_pages * page)});
  }
  t.row({st.bold("total"), "", std::to_string(rows.size()) + " processes", "", "", "",
         std::to_string(events), std::to_string(total.totals.by_kind[KMR_EV_FAULT]),
         std::to_string(total.totals.by_kind[KMR_EV_COW])});
  t.print(ctx.out);
  ctx.out << "\nPEAK RESIDENT: the most present pages of the process (sampled at chunk ends "
             "and before exit).\nOne process alone: --pid PID with any view.\n";
}

}  // namespace kmr::replayer
