// --at T --sharing: which pages each process shares with the others at T.
// Every process of the trace is replayed to the same instant (the file's
// common clock); processes not started yet or already exited have no
// memory then and are listed as such.
#include <nlohmann/json.hpp>

#include <memory>

#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/table.h"
#include "sharing.h"
#include "views.h"

namespace kmr::replayer {
namespace {

struct Proc {
  const StreamInfo* info = nullptr;
  ShadowState state;
  std::string absent;  // "" = running at T, else why it has no memory then
};

std::string withText(const SharingCounts& c) {
  std::string t;
  for (const auto& [pid, n] : c.with)
    t += (t.empty() ? "" : ", ") + std::to_string(pid) + ": " + std::to_string(n);
  return t.empty() ? "-" : t;
}

nlohmann::json countsJson(const SharingCounts& c) {
  nlohmann::json with = nlohmann::json::object();
  for (const auto& [pid, n] : c.with) with[std::to_string(pid)] = n;
  return {{"present", c.present}, {"shared", c.shared}, {"own", c.own},
          {"zero", c.zero},       {"with", with}};
}

}  // namespace

void runSharing(const std::string& at, std::optional<uint32_t> only, ViewContext& ctx) {
  const TraceReader& file = ctx.reader;
  Instant in = ctx.instant(at);
  std::vector<Proc> procs;
  for (const StreamInfo& s : file.streams()) {
    Proc p;
    p.info = &s;
    if (s.process.start_ns > in.mono_ns) {
      p.absent = "not started yet";
    } else {
      std::unique_ptr<TraceReader> reader = file.openStream(s.process.stream);
      Replay rp(*reader);
      uint64_t pos = rp.positionAtTime(in.mono_ns);
      p.state = rp.stateAt(pos, &ctx.damage);
      // A followed child is held from its fork until its snapshot is
      // taken: no memory of its own is known before that.
      if (pos == 0) p.absent = "attached, its snapshot not yet taken";
      else if (p.state.exited())
        p.absent = describeWaitStatus(p.state.exitCode());
    }
    procs.push_back(std::move(p));
  }
  std::vector<SharingInput> inputs;
  std::vector<const Proc*> running;
  for (const Proc& p : procs) {
    if (!p.absent.empty()) continue;
    inputs.push_back({p.info->process.pid, &p.state.pages(), &p.state.vmas()});
    running.push_back(&p);
  }
  std::vector<SharingProcess> result = computeSharing(inputs);
  auto shown = [&](const Proc& p) { return !only || p.info->process.pid == *only; };

  if (ctx.json) {
    nlohmann::json list = nlohmann::json::array(), absent = nlohmann::json::array();
    for (size_t i = 0; i < running.size(); i++) {
      if (!shown(*running[i])) continue;
      const ProcessInfo& pi = running[i]->info->process;
      nlohmann::json vmas = nlohmann::json::array();
      for (const SharingVma& v : result[i].vmas) {
        nlohmann::json j = countsJson(v.counts);
        j["start"] = hex(v.vma.start);
        j["end"] = hex(v.vma.end);
        j["perms"] = permString(v.vma.vm_flags);
        j["name"] = displayName(v.vma);
        vmas.push_back(std::move(j));
      }
      list.push_back({{"pid", pi.pid},
                      {"ppid", pi.ppid},
                      {"comm", pi.comm},
                      {"stream", pi.stream},
                      {"vmas", std::move(vmas)},
                      {"total", countsJson(result[i].total)}});
    }
    for (const Proc& p : procs)
      if (!p.absent.empty() && shown(p))
        absent.push_back({{"pid", p.info->process.pid}, {"why", p.absent}});
    nlohmann::json j{{"trace", file.path()},
                     {"at",
                      {{"spec", in.text},
                       {"mono_ns", in.mono_ns},
                       {"rel_ns", static_cast<int64_t>(in.mono_ns - file.startNs())}}},
                     {"processes", std::move(list)},
                     {"not_running", std::move(absent)}};
    ctx.out << j.dump(2) << '\n';
    return;
  }

  ctx.out << ctx.style.bold("sharing at " + ctx.rel(in.mono_ns) + " (mono:" +
                            std::to_string(in.mono_ns) + ")")
          << ": pages whose frame another recorded process maps too\n";
  for (size_t i = 0; i < running.size(); i++) {
    if (!shown(*running[i])) continue;
    ctx.out << '\n' << ctx.style.bold("=== " + processLabel(*running[i]->info) + " ===") << '\n';
    Table t({{"VMA"}, {"perms"}, {"name"}, {"present", Table::Align::Right},
             {"shared", Table::Align::Right}, {"own", Table::Align::Right},
             {"zero", Table::Align::Right}, {"shared with (pid: pages)"}});
    for (const SharingVma& v : result[i].vmas) {
      const SharingCounts& c = v.counts;
      if (!c.present) continue;
      t.row({hex(v.vma.start) + "-" + hex(v.vma.end), permString(v.vma.vm_flags),
             displayName(v.vma), std::to_string(c.present), std::to_string(c.shared),
             std::to_string(c.own), std::to_string(c.zero), withText(c)});
    }
    const SharingCounts& c = result[i].total;
    t.row({"total", "", "", std::to_string(c.present), std::to_string(c.shared),
           std::to_string(c.own), std::to_string(c.zero), withText(c)});
    t.print(ctx.out);
  }
  if (running.empty())
    ctx.out << "no recorded process was running at that instant\n";
  for (const Proc& p : procs)
    if (!p.absent.empty() && shown(p))
      ctx.out << processLabel(*p.info) << ": " << p.absent << " at that instant\n";
}

}  // namespace kmr::replayer
