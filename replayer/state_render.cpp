#include "state_render.h"

#include <algorithm>

#include "names.h"
#include "table.h"

namespace kmr::view {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t ceilVpn(uint64_t a) { return (a >> 12) + ((a & 0xfff) != 0); }

void addRun(std::vector<DisplayRun>& out, const PageRun& r, bool unknown) {
  if (!out.empty()) {
    DisplayRun& last = out.back();
    bool adjacent = last.vpn + last.pages == r.vpn && last.flags == r.flags &&
                    last.unknown == unknown;
    if (adjacent && (last.step == 1 || last.pages == 1) && r.pfn == last.pfn + last.pages) {
      last.pages += r.pages;
      last.step = 1;
      return;
    }
    if (adjacent && r.pages == 1 && (last.step == -1 || last.pages == 1) &&
        r.pfn + last.pages == last.pfn) {
      last.pages++;
      last.step = -1;
      return;
    }
  }
  out.push_back({r.vpn, r.pages, r.pfn, 1, r.flags, unknown});
}

std::string pfnText(const DisplayRun& r) {
  if (r.pages == 1) return hex(r.pfn);
  uint64_t last = r.step > 0 ? r.pfn + (r.pages - 1) : r.pfn - (r.pages - 1);
  return hex(r.pfn) + "-" + hex(last);
}

std::string vmaText(const Vma& v, bool unknown) {
  return hex(v.start) + "-" + hex(v.end) + " " + permString(v.vm_flags) + " " + displayName(v) +
         (unknown ? " ?" : "");
}

// Unknown vpn ranges as address text; "all" for the whole traced range.
std::string rangesText(const IntervalSet& set, const ShadowState& s) {
  std::string t;
  for (auto [b, e] : set) {
    if (!t.empty()) t += ", ";
    if (b <= s.rangeFirstVpn() && e >= s.rangeEndVpn()) t += "all";
    else t += hex(b * kPage) + "-" + hex(e * kPage);
  }
  return t;
}

template <class F>
void forEachShownVma(const ShadowState& s, const StateRenderOptions& o, F&& f) {
  for (const auto& [start, v] : s.vmas())
    if (v.end > o.start && v.start < o.end) f(v);
}

// Gaps between the shown VMAs, where pages without a VMA would be.
template <class F>
void forEachGap(const ShadowState& s, const StateRenderOptions& o, F&& f) {
  uint64_t cur = o.start;
  forEachShownVma(s, o, [&](const Vma& v) {
    if (v.start > cur) f(cur, v.start);
    cur = std::max(cur, v.end);
  });
  if (cur < o.end) f(cur, o.end);
}

}  // namespace

std::vector<DisplayRun> displayRuns(const ShadowState& s, uint64_t b, uint64_t e) {
  std::vector<DisplayRun> out;
  auto segment = [&](uint64_t sb, uint64_t se, bool unknown) {
    if (sb >= se) return;
    s.pages().forEachRun(sb, se, [&](const PageRun& r) { addRun(out, r, unknown); });
  };
  uint64_t cur = b;
  for (auto [ub, ue] : s.unknownPages()) {
    if (ue <= cur) continue;
    if (ub >= e) break;
    segment(cur, std::max(ub, cur), false);
    segment(std::max(ub, cur), std::min(ue, e), true);
    cur = std::min(ue, e);
  }
  segment(cur, e, false);
  return out;
}

nlohmann::json runJson(const DisplayRun& r) {
  return {{"vaddr", r.vpn * kPage}, {"pages", r.pages},  {"pfn", r.pfn},
          {"step", r.step},         {"flags", r.flags},  {"flags_text", pteFlagsText(r.flags)},
          {"unknown", r.unknown}};
}

nlohmann::json vmaJson(const Vma& v) {
  return {{"start", v.start},       {"end", v.end},     {"pgoff", v.pgoff},
          {"ino", v.ino},           {"dev", v.dev},     {"vm_flags", v.vm_flags},
          {"flags", v.flags},       {"perm", permString(v.vm_flags)},
          {"name", displayName(v)}};
}

nlohmann::json stateJson(const ShadowState& s, const StateRenderOptions& o) {
  nlohmann::json vmas = nlohmann::json::array();
  forEachShownVma(s, o, [&](const Vma& v) {
    nlohmann::json j = vmaJson(v);
    nlohmann::json runs = nlohmann::json::array();
    uint64_t present = 0;
    for (const DisplayRun& r :
         displayRuns(s, std::max(v.start, o.start) >> 12, ceilVpn(std::min(v.end, o.end)))) {
      runs.push_back(runJson(r));
      present += r.pages;
    }
    j["present_pages"] = present;
    j["unknown"] = s.unknownVmas().intersects(v.start >> 12, ceilVpn(v.end));
    j["runs"] = std::move(runs);
    vmas.push_back(std::move(j));
  });
  nlohmann::json orphans = nlohmann::json::array();
  forEachGap(s, o, [&](uint64_t b, uint64_t e) {
    for (const DisplayRun& r : displayRuns(s, b >> 12, ceilVpn(e))) orphans.push_back(runJson(r));
  });
  auto ranges = [](const IntervalSet& set) {
    nlohmann::json a = nlohmann::json::array();
    for (auto [b, e] : set) a.push_back({b * kPage, e * kPage});
    return a;
  };
  nlohmann::json pending = nlohmann::json::array();
  for (const VmaWindow& w : s.pendingWindows())
    pending.push_back({{"start", w.start}, {"end", w.end}, {"count", w.count},
                       {"received", w.vmas.size()}, {"cause", vmaCauseName(w.cause)}});
  return {{"present_pages", s.pages().presentPages()},
          {"vma_count", s.vmas().size()},
          {"exited", s.exited()},
          {"exit_code", s.exitCode()},
          {"unknown_pages", ranges(s.unknownPages())},
          {"unknown_vmas", ranges(s.unknownVmas())},
          {"pending_windows", pending},
          {"vmas", vmas},
          {"pages_outside_vmas", orphans}};
}

void printState(std::ostream& out, const ShadowState& s, const StateRenderOptions& o,
                const Style& style) {
  uint64_t present = s.pages().presentPages();
  out << s.vmas().size() << " VMAs, " << present << " present pages ("
      << bytesText(present * kPage) << ")";
  if (s.exited()) out << "; the target exited (code " << s.exitCode() << ")";
  out << '\n';
  if (!s.unknownPages().empty())
    out << style.yellow("unknown pages: " + rangesText(s.unknownPages(), s) +
                        " (events were lost; '?' rows show the last known state)")
        << '\n';
  if (!s.unknownVmas().empty())
    out << style.yellow("unknown VMAs: " + rangesText(s.unknownVmas(), s) +
                        " (events were lost; VMAs marked '?' may be stale)")
        << '\n';
  for (const VmaWindow& w : s.pendingWindows())
    out << "VMA change in progress: " << vmaCauseName(w.cause) << " window " << hex(w.start)
        << "-" << hex(w.end) << " has " << w.vmas.size() << " of " << w.count << " VMAs\n";
  out << '\n';

  Table t;
  using A = Table::Align;
  t.columns({"VADDR", "PAGES", "PFN", "FLAGS", "VMA"}, {A::Left, A::Right, A::Left, A::Left, A::Left});
  auto runRow = [&](const DisplayRun& r, const std::string& vma) {
    std::string va = hex(r.vpn * kPage) + (r.unknown ? "?" : "");
    t.row({r.unknown ? style.yellow(va) : va, std::to_string(r.pages), pfnText(r),
           pteFlagsText(r.flags), vma});
  };
  auto colourName = [&](const Vma& v, const std::string& text) {
    if (v.flags & (KMR_VMA_F_HEAP | KMR_VMA_F_STACK)) return style.magenta(text);
    if (v.flags & KMR_VMA_F_SPECIAL) return style.dim(text);
    if (v.ino) return style.cyan(text);
    return text;
  };
  bool orphans = false;
  forEachShownVma(s, o, [&](const Vma& v) {
    bool unknown = s.unknownVmas().intersects(v.start >> 12, ceilVpn(v.end));
    std::string name = colourName(v, vmaText(v, unknown));
    auto runs = displayRuns(s, std::max(v.start, o.start) >> 12, ceilVpn(std::min(v.end, o.end)));
    if (runs.empty()) t.row({hex(std::max(v.start, o.start)), "-", "-", "-", name});
    for (const DisplayRun& r : runs) runRow(r, name);
  });
  forEachGap(s, o, [&](uint64_t b, uint64_t e) {
    for (const DisplayRun& r : displayRuns(s, b >> 12, ceilVpn(e))) {
      runRow(r, style.red("(no VMA)"));
      orphans = true;
    }
  });
  if (t.rows()) t.print(out);
  else out << "(no VMAs or pages in this range)\n";
  if (o.legend && t.rows()) {
    out << '\n' << style.dim(pteFlagsLegend()) << '\n';
    if (orphans)
      out << style.dim("(no VMA): pages the shadow table holds outside every known VMA") << '\n';
  }
}

}  // namespace kmr::view
