#include "base/state_render.h"

#include <algorithm>
#include <bit>
#include <charconv>
#include <string>

#include "base/abi_names.h"
#include "base/numbers.h"

namespace kmr {
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

std::string vmaText(const Vma& v, bool unknown) {
  return hex(v.start) + "-" + hex(v.end) + " " + permString(v.vm_flags) + " " + displayName(v) +
         (unknown ? " ?" : "");
}

// Unknown vpn ranges as address text; "all" for the whole traced range.
std::string rangesText(const IntervalSet& set, const ShadowState& s) {
  std::string t;
  size_t shown = 0;
  for (auto [b, e] : set) {
    if (shown++ == 4) {
      t += " and " + std::to_string(set.size() - 4) + " more ranges (see --json)";
      break;
    }
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

  // The table can have tens of thousands of rows (random access leaves no
  // runs), so rows are formatted straight into one buffer: first the runs
  // of each section and the column widths, then the text.
  struct Section {
    std::string vma;  // the VMA column, shared by the section's rows
    std::vector<DisplayRun> runs;
    uint64_t empty_at = 0;  // a VMA without pages: its start
    bool empty = false;
  };
  auto colourName = [&](const Vma& v, const std::string& text) {
    if (v.flags & (KMR_VMA_F_HEAP | KMR_VMA_F_STACK)) return style.magenta(text);
    if (v.flags & KMR_VMA_F_SPECIAL) return style.dim(text);
    if (v.ino) return style.cyan(text);
    return text;
  };
  std::vector<Section> sections;
  forEachShownVma(s, o, [&](const Vma& v) {
    bool unknown = s.unknownVmas().intersects(v.start >> 12, ceilVpn(v.end));
    Section sec;
    sec.vma = colourName(v, vmaText(v, unknown));
    sec.runs = displayRuns(s, std::max(v.start, o.start) >> 12, ceilVpn(std::min(v.end, o.end)));
    sec.empty = sec.runs.empty();
    sec.empty_at = std::max(v.start, o.start);
    sections.push_back(std::move(sec));
  });
  Section orphans;
  orphans.vma = style.red("(no VMA)");
  forEachGap(s, o, [&](uint64_t b, uint64_t e) {
    for (const DisplayRun& r : displayRuns(s, b >> 12, ceilVpn(e))) orphans.runs.push_back(r);
  });
  bool have_orphans = !orphans.runs.empty();
  if (have_orphans) sections.push_back(std::move(orphans));
  if (sections.empty()) {
    out << "(no VMAs or pages in this range)\n";
    return;
  }

  auto hexLen = [](uint64_t v) { return v ? (67 - static_cast<size_t>(std::countl_zero(v))) / 4 : 1; };
  auto decLen = [](uint64_t v) { return std::to_string(v).size(); };
  auto lastPfn = [](const DisplayRun& r) {
    return r.step > 0 ? r.pfn + (r.pages - 1) : r.pfn - (r.pages - 1);
  };
  size_t wv = 5, wp = 5, wf = 3;  // VADDR, PAGES, PFN
  for (const Section& sec : sections) {
    if (sec.empty) wv = std::max(wv, hexLen(sec.empty_at));
    for (const DisplayRun& r : sec.runs) {
      wv = std::max(wv, hexLen(r.vpn * kPage) + r.unknown);
      wp = std::max(wp, decLen(r.pages));
      wf = std::max(wf, hexLen(r.pfn) + (r.pages > 1 ? 1 + hexLen(lastPfn(r)) : 0));
    }
  }
  std::string buf;
  buf.reserve(1 << 16);
  auto pad = [&](size_t n) { buf.append(n, ' '); };
  auto putHex = [&](uint64_t v) {
    char b[20];
    auto res = std::to_chars(b, b + sizeof b, v, 16);
    buf.append(b, res.ptr);
    return static_cast<size_t>(res.ptr - b);
  };
  auto flush = [&] {
    out << buf;
    buf.clear();
  };
  auto header = std::string("VADDR") + std::string(wv - 5 + 2, ' ') + std::string(wp - 5, ' ') +
                "PAGES  PFN" + std::string(wf - 3 + 2, ' ') + "FLAGS     VMA\n";
  buf += header;
  for (const Section& sec : sections) {
    if (sec.empty) {
      pad(wv - putHex(sec.empty_at) + 2);
      pad(wp - 1);
      buf += "-  -";
      pad(wf - 1 + 2);
      buf += "-         ";
      buf += sec.vma;
      buf += '\n';
    }
    for (const DisplayRun& r : sec.runs) {
      size_t n;
      if (r.unknown && style.color) {
        std::string va = hex(r.vpn * kPage) + "?";
        buf += style.yellow(va);
        n = va.size();
      } else {
        n = putHex(r.vpn * kPage);
        if (r.unknown) {
          buf += '?';
          n++;
        }
      }
      pad(wv - n + 2);
      std::string pages = std::to_string(r.pages);
      pad(wp - pages.size());
      buf += pages;
      buf += "  ";
      n = putHex(r.pfn);
      if (r.pages > 1) {
        buf += '-';
        n += 1 + putHex(lastPfn(r));
      }
      pad(wf - n + 2);
      buf += pteFlagsText(r.flags);
      buf += "  ";
      buf += sec.vma;
      buf += '\n';
    }
    if (buf.size() > (1 << 16)) flush();
  }
  flush();
  if (o.legend) {
    out << '\n' << style.dim(pteFlagsLegend()) << '\n';
    if (have_orphans)
      out << style.dim("(no VMA): pages the shadow table holds outside every known VMA") << '\n';
  }
}

}  // namespace kmr
