// `kmemreplay compare A B`: the command line and the run.
#include <iostream>
#include <set>

#include "compare_print.h"
#include "kmr/error.h"
#include "kmr/time_spec.h"

namespace kmr::replayer {
namespace {

double parseRelative(const std::string& s) {
  TimeSpec t;
  try {
    t = parseTimeSpec(s);
  } catch (const Error&) {
    t.kind = TimeSpec::Kind::Relative;  // reported below
  }
  switch (t.kind) {
    case TimeSpec::Kind::Percent:
      if (t.percent >= 0 && t.percent <= 100) return t.percent / 100.0;
      break;
    case TimeSpec::Kind::Start: return 0;
    case TimeSpec::Kind::End: return 1;
    default: break;
  }
  throw UsageError("--at-relative takes a share of each trace's duration, "
                   "0% to 100% (e.g. 50%), or start or end; got '" + s + "'");
}

// Warnings for what the replays met; true when a trace is damaged.
bool warnDamage(const TraceProfile& p) {
  std::set<std::string> said;
  bool damaged = false;
  for (const Damage& d : p.damage)
    if (said.insert(d.what).second) {
      std::cerr << "kmemreplay: warning: " << p.path << ": " << d.what << '\n';
      damaged = true;
    }
  return damaged;
}

}  // namespace

CLI::App* setupCompare(CLI::App& app, CompareOptions& o) {
  CLI::App* c = app.add_subcommand(
      "compare", "Compare two runs: VMAs matched by identity (not address), their faults, CoW "
                 "and resident pages side by side");
  c->add_option("a", o.a,
                 "First trace (A); FILE:PID for one process of a trace of several (also the "
                 "same file as B)")
      ->required();
  c->add_option("b", o.b, "Second trace (B); FILE:PID as for A")->required();
  c->add_flag("--json", o.json, "Print JSON instead of text");
  c->add_option("--at-relative", o.at_relative,
                "Compare resident pages per VMA at the same share of each trace (e.g. 50%)");
  c->add_option("--top", o.top, "Detail tables for the N largest changes (default 10)");
  c->add_flag("--all", o.all, "List unchanged matches too");
  return c;
}

int runCompare(const CompareOptions& o, const Style& style, std::ostream& out) {
  std::optional<double> at;
  if (!o.at_relative.empty()) at = parseRelative(o.at_relative);
  auto [a, b] = profileTraces(o.a, o.b, at);
  CompareReport r = buildReport(a, b);
  if (o.json) out << compareJson(r, o).dump(2) << '\n';
  else printCompareText(r, o, o.json ? Style{} : style, out);
  out.flush();
  bool damaged = warnDamage(a);
  damaged = warnDamage(b) || damaged;
  return damaged ? kExitDamaged : kExitOk;
}

}  // namespace kmr::replayer
