// --diff T1 T2: what changed between two instants.
#include <algorithm>
#include <map>

#include "base/abi_names.h"
#include "base/numbers.h"
#include "base/state_render.h"
#include "base/table.h"
#include "views.h"

namespace kmr::replayer {
namespace {

constexpr uint64_t kPage = 4096;

enum class Change { Added, Removed, Remapped, Flags, Unknown };

const char* changeName(Change c) {
  switch (c) {
    case Change::Added: return "added";
    case Change::Removed: return "removed";
    case Change::Remapped: return "remapped";
    case Change::Flags: return "flags";
    case Change::Unknown: return "unknown";
  }
  return "?";
}

struct PageChange {
  Change change;
  uint64_t vpn, pages;
  uint64_t pfn_a, pfn_b;  // first page's; 0 when absent
  uint32_t flags_a, flags_b;
  bool has_a, has_b;
};

// Compare page by page over the union of both states' present pages and
// unknown ranges, then group consecutive pages with the same change.
std::vector<PageChange> diffPages(const ShadowState& a, const ShadowState& b, uint64_t vb,
                                  uint64_t ve) {
  std::vector<uint64_t> vpns;
  auto collect = [&](const ShadowState& s) {
    s.pages().forEachRun(vb, ve, [&](const PageRun& r) {
      for (uint64_t i = 0; i < r.pages; i++) vpns.push_back(r.vpn + i);
    });
  };
  collect(a);
  collect(b);
  std::sort(vpns.begin(), vpns.end());
  vpns.erase(std::unique(vpns.begin(), vpns.end()), vpns.end());
  std::vector<PageChange> out;
  for (uint64_t vpn : vpns) {
    uint64_t ea = a.pages().get(vpn), eb = b.pages().get(vpn);
    bool unknown = !a.pageKnown(vpn) || !b.pageKnown(vpn);
    PageChange c{Change::Unknown, vpn, 1, KMR_PTE_PFN(ea), KMR_PTE_PFN(eb),
                 KMR_PTE_FLAGS(ea), KMR_PTE_FLAGS(eb), ea != 0, eb != 0};
    if (ea == eb && !unknown) continue;
    if (!unknown) {
      if (!ea) c.change = Change::Added;
      else if (!eb) c.change = Change::Removed;
      else if (KMR_PTE_PFN(ea) != KMR_PTE_PFN(eb)) c.change = Change::Remapped;
      else c.change = Change::Flags;
    } else if (ea == eb) {
      continue;  // same last-known value: nothing to say
    }
    if (!out.empty()) {
      PageChange& l = out.back();
      bool pa = !l.has_a || (l.pfn_a + l.pages == c.pfn_a);
      bool pb = !l.has_b || (l.pfn_b + l.pages == c.pfn_b);
      if (l.change == c.change && l.vpn + l.pages == vpn && l.has_a == c.has_a &&
          l.has_b == c.has_b && l.flags_a == c.flags_a && l.flags_b == c.flags_b && pa && pb) {
        l.pages++;
        continue;
      }
    }
    out.push_back(c);
  }
  return out;
}

std::string pfnRange(bool has, uint64_t pfn, uint64_t pages) {
  if (!has) return "-";
  return pages == 1 ? hex(pfn) : hex(pfn) + "-" + hex(pfn + pages - 1);
}

struct VmaChange {
  const char* what;  // added, removed, changed
  const Vma* a;
  const Vma* b;
};

std::vector<VmaChange> diffVmas(const ShadowState& a, const ShadowState& b, uint64_t lo,
                                uint64_t hi) {
  std::map<std::pair<uint64_t, uint64_t>, std::pair<const Vma*, const Vma*>> m;
  for (const auto& [s, v] : a.vmas())
    if (v.end > lo && v.start < hi) m[{v.start, v.end}].first = &v;
  for (const auto& [s, v] : b.vmas())
    if (v.end > lo && v.start < hi) m[{v.start, v.end}].second = &v;
  std::vector<VmaChange> out;
  for (const auto& [k, p] : m) {
    if (p.first && p.second) {
      if (!(*p.first == *p.second)) out.push_back({"changed", p.first, p.second});
    } else {
      out.push_back({p.first ? "removed" : "added", p.first, p.second});
    }
  }
  // A VMA that kept its start or its end and its name (a heap that grew,
  // a stack, a mapping cut at one end) is one resized VMA, not two.
  auto same = [](const Vma* x, const Vma* y) {
    return (x->start == y->start || x->end == y->end) && x->ino == y->ino && x->dev == y->dev &&
           displayName(*x) == displayName(*y);
  };
  for (VmaChange& r : out) {
    if (!r.a || r.b) continue;
    for (VmaChange& n : out) {
      if (n.a || !n.b || !same(r.a, n.b)) continue;
      r.what = "resized";
      r.b = n.b;
      n.b = nullptr;  // consumed
      break;
    }
  }
  std::erase_if(out, [](const VmaChange& c) { return !c.a && !c.b; });
  return out;
}

}  // namespace

void setupDiff(CLI::App& app, DiffOptions& o) {
  app.add_option("--diff", o.times, "Show what changed between T1 and T2")->expected(2);
}

void runDiff(const DiffOptions& o, ViewContext& ctx) {
  Instant i1 = ctx.instant(o.times.at(0)), i2 = ctx.instant(o.times.at(1));
  ShadowState a = ctx.replay.stateAt(i1.position, &ctx.damage);
  ShadowState b = a;
  if (i2.position >= i1.position) ctx.replay.run(b, i2.position, nullptr, false, &ctx.damage);
  else b = ctx.replay.stateAt(i2.position, &ctx.damage);
  uint64_t lo = 0, hi = UINT64_MAX;
  if (!o.range.empty()) {
    AddressRange r = parseAddressRange(o.range);
    lo = r.start;
    hi = r.end;
  }
  uint64_t vb = lo >> 12, ve = hi == UINT64_MAX ? PageTable::kVpnLimit : (hi + kPage - 1) >> 12;
  auto vmas = diffVmas(a, b, lo, hi);
  auto pages = diffPages(a, b, vb, ve);
  std::map<Change, uint64_t> totals;
  for (const PageChange& c : pages) totals[c.change] += c.pages;

  auto vmaAt = [&](const ShadowState& s, uint64_t vpn) -> std::string {
    const Vma* v = s.vmas().find(vpn * kPage);
    return v ? displayName(*v) : "(no VMA)";
  };

  if (ctx.json) {
    nlohmann::json jv = nlohmann::json::array();
    for (const VmaChange& c : vmas) {
      nlohmann::json j = {{"change", c.what}};
      if (c.a) j["before"] = vmaJson(*c.a);
      if (c.b) j["after"] = vmaJson(*c.b);
      jv.push_back(j);
    }
    nlohmann::json jp = nlohmann::json::array();
    for (const PageChange& c : pages) {
      nlohmann::json j = {{"change", changeName(c.change)}, {"vaddr", c.vpn * kPage}, {"pages", c.pages}};
      if (c.has_a) j["before"] = {{"pfn", c.pfn_a}, {"flags", c.flags_a}};
      if (c.has_b) j["after"] = {{"pfn", c.pfn_b}, {"flags", c.flags_b}};
      jp.push_back(j);
    }
    nlohmann::json sum = nlohmann::json::object();
    for (auto [k, n] : totals) sum[changeName(k)] = n;
    ctx.out << nlohmann::json{{"trace", ctx.reader.path()},
                              {"from", {{"spec", i1.text}, {"mono_ns", i1.mono_ns}, {"events_applied", i1.position}}},
                              {"to", {{"spec", i2.text}, {"mono_ns", i2.mono_ns}, {"events_applied", i2.position}}},
                              {"vmas", jv},
                              {"pages", jp},
                              {"page_totals", sum}}
                   .dump(2)
            << '\n';
    return;
  }

  const Style& st = ctx.style;
  ctx.out << st.bold("from " + ctx.describe(i1)) << '\n'
          << st.bold("to   " + ctx.describe(i2)) << "\n\n";
  if (vmas.empty()) {
    ctx.out << "VMAs: no change\n";
  } else {
    Table t;
    t.columns({"VMA", "START", "END", "PERM", "NAME"}, {});
    for (const VmaChange& c : vmas) {
      const Vma& v = c.b ? *c.b : *c.a;
      std::string perm = permString(v.vm_flags);
      if (c.a && c.b && c.a->vm_flags != c.b->vm_flags)
        perm = permString(c.a->vm_flags) + "->" + perm;
      std::string what = c.what;
      std::string coloured = what == "added" ? st.green(what) : what == "removed" ? st.red(what) : st.yellow(what);
      std::string name = displayName(v);
      if (c.a && c.b && displayName(*c.a) != name) name = displayName(*c.a) + " -> " + name;
      if (c.a && c.b && (c.a->start != c.b->start || c.a->end != c.b->end))
        name += " (was " + hex(c.a->start) + "-" + hex(c.a->end) + ")";
      t.row({coloured, hex(v.start), hex(v.end), perm, name});
    }
    t.print(ctx.out);
  }
  ctx.out << '\n';
  if (pages.empty()) {
    ctx.out << "pages: no change\n";
  } else {
    Table t;
    using A = Table::Align;
    t.columns({"PAGES", "VADDR", "COUNT", "PFN BEFORE", "PFN AFTER", "FLAGS BEFORE", "FLAGS AFTER", "VMA"},
              {A::Left, A::Left, A::Right, A::Left, A::Left, A::Left, A::Left, A::Left});
    for (const PageChange& c : pages) {
      std::string what = changeName(c.change);
      std::string coloured = c.change == Change::Added     ? st.green(what)
                             : c.change == Change::Removed ? st.red(what)
                                                           : st.yellow(what);
      t.row({coloured, hex(c.vpn * kPage), std::to_string(c.pages), pfnRange(c.has_a, c.pfn_a, c.pages),
             pfnRange(c.has_b, c.pfn_b, c.pages), c.has_a ? pteFlagsText(c.flags_a) : "-",
             c.has_b ? pteFlagsText(c.flags_b) : "-", vmaAt(c.has_b ? b : a, c.vpn)});
    }
    t.print(ctx.out);
  }
  ctx.out << '\n' << vmas.size() << " VMA changes; pages:";
  bool any = false;
  for (auto [k, n] : totals) {
    ctx.out << (any ? ", " : " ") << n << " " << changeName(k);
    any = true;
  }
  if (!any) ctx.out << " none";
  ctx.out << '\n';
  if (totals.count(Change::Unknown))
    ctx.out << st.yellow("unknown: pages whose state is not known at one of the instants (lost events)")
            << '\n';
}

}  // namespace kmr::replayer
