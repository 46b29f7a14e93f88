// --events: the raw events (and the VMA operations they complete), filtered
// by window, kind and address.  Streams: memory does not grow with the
// trace.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <set>

#include "event_text.h"
#include "kmr/error.h"
#include "views.h"

namespace kmr::replayer {
namespace {

struct Filter {
  std::set<EventKind> kinds;
  std::set<VmaOpKind> ops;
  bool all_kinds = true;
  bool vaddr = false;
  uint64_t vb = 0, ve = 0;
};

Filter makeFilter(const EventsOptions& o) {
  Filter f;
  for (const std::string& list : o.kinds) {
    size_t pos = 0;
    while (pos <= list.size()) {
      size_t comma = list.find(',', pos);
      std::string name = list.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
      pos = comma == std::string::npos ? list.size() + 1 : comma + 1;
      if (name.empty()) continue;
      f.all_kinds = false;
      if (auto k = kindFromName(name)) f.kinds.insert(*k);
      else if (auto op = vmaOpFromName(name)) f.ops.insert(*op);
      else
        throw UsageError("unknown kind '" + name +
                         "': expected event kinds (snapshot-begin, snapshot-end, vma-sync, vma, "
                         "pte, pte-unmap, cow, fault, fork, exec, exit, lost, mem-write, "
                         "page-data, signal, gap) or VMA operations (map, unmap, protect, move, grow)");
    }
  }
  if (!o.vaddr.empty()) {
    f.vaddr = true;
    AddressRange r = parseAddressRange(o.vaddr);
    f.vb = r.start;
    f.ve = r.end;
  }
  return f;
}

class Printer : public EventVisitor {
 public:
  Printer(ViewContext& ctx, const Filter& f, uint64_t limit, uint64_t max_ordinal)
      : ctx_(ctx), f_(f), limit_(limit) {
    ord_w_ = std::to_string(max_ordinal).size();
    seq_w_ = std::max<size_t>(3, std::to_string(ctx.reader.indexTotals()
                                                    ? ctx.reader.indexTotals()->last_seq
                                                    : max_ordinal * 2).size());
    time_w_ = ctx.rel(ctx.reader.lastEventNs()).size() + 3;
  }

  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState&,
               const std::vector<VmaOp>& ops) override {
    if (done()) return;
    bool show = (f_.all_kinds || f_.kinds.count(ev.kind)) &&
                (!f_.vaddr || eventTouches(ev, f_.vb, f_.ve));
    if (show) printEvent(ev, ordinal);
    printOps(ops, ordinal, ev, show);
  }
  void onEnd(const ShadowState&, const std::vector<VmaOp>& ops) override {
    Event none;
    none.time_ns = ctx_.reader.lastEventNs();
    none.seq = 0;
    printOps(ops, last_ordinal_, none, false);
  }
  void header() {
    if (ctx_.json) {
      ctx_.out << "[";
      return;
    }
    char buf[256];
    std::snprintf(buf, sizeof buf, "%*s  %-*s  %*s  %-14s  %s", static_cast<int>(ord_w_), "#",
                  static_cast<int>(time_w_), "TIME", static_cast<int>(seq_w_), "SEQ", "KIND",
                  "DETAILS");
    ctx_.out << ctx_.style.bold(buf) << '\n';
  }
  void footer() {
    if (ctx_.json) ctx_.out << (rows_ ? "\n]\n" : "]\n");
    else if (limit_ && rows_ >= limit_) ctx_.out << "(stopped after " << limit_ << " rows: --limit)\n";
  }
  bool done() const override { return limit_ && rows_ >= limit_; }

 private:
  std::string timeText(uint64_t t) const {
    int64_t rel = static_cast<int64_t>(t - ctx_.reader.startNs());
    char buf[48];
    uint64_t a = rel < 0 ? static_cast<uint64_t>(-rel) : static_cast<uint64_t>(rel);
    std::snprintf(buf, sizeof buf, "%s%" PRIu64 ".%09" PRIu64, rel < 0 ? "-" : "", a / 1000000000,
                  a % 1000000000);
    return buf;
  }
  void json(nlohmann::json j) {
    ctx_.out << (rows_ ? ",\n" : "\n") << j.dump();
    rows_++;
  }
  void printEvent(const Event& ev, uint64_t ordinal) {
    last_ordinal_ = ordinal;
    if (ctx_.json) {
      nlohmann::json j = eventJson(ev);
      j["event"] = ordinal;
      j["rel_ns"] = static_cast<int64_t>(ev.time_ns - ctx_.reader.startNs());
      json(std::move(j));
      return;
    }
    std::string kind(kindName(ev.kind));
    char buf[160];
    std::snprintf(buf, sizeof buf, "%*" PRIu64 "  %-*s  %*" PRIu64 "  ", static_cast<int>(ord_w_),
                  ordinal, static_cast<int>(time_w_), timeText(ev.time_ns).c_str(),
                  static_cast<int>(seq_w_), ev.seq);
    std::string k = kind + std::string(kind.size() < 14 ? 14 - kind.size() : 0, ' ');
    if (ev.kind == EventKind::Lost || ev.kind == EventKind::Gap) k = ctx_.style.red(k);
    ctx_.out << buf << k << "  " << eventDetails(ev) << '\n';
    rows_++;
  }
  // The operations a window completed.  Their columns repeat the event's
  // number, time and seq when that event's own row was filtered out.
  void printOps(const std::vector<VmaOp>& ops, uint64_t ordinal, const Event& ev, bool shown) {
    for (const VmaOp& op : ops) {
      if (done()) return;
      if (!f_.all_kinds && !f_.ops.count(op.kind)) continue;
      if (f_.vaddr && !opTouches(op, f_.vb, f_.ve)) continue;
      if (ctx_.json) {
        nlohmann::json j = opJson(op);
        j["event"] = ordinal;
        j["seq"] = ev.seq;
        j["time_ns"] = ev.time_ns;
        json(std::move(j));
        continue;
      }
      std::string name(vmaOpName(op.kind));
      char buf[160];
      if (shown)
        std::snprintf(buf, sizeof buf, "%*s  %-*s  %*s  ", static_cast<int>(ord_w_), "",
                      static_cast<int>(time_w_), "", static_cast<int>(seq_w_), "");
      else
        std::snprintf(buf, sizeof buf, "%*" PRIu64 "  %-*s  %*" PRIu64 "  ",
                      static_cast<int>(ord_w_), ordinal, static_cast<int>(time_w_),
                      timeText(ev.time_ns).c_str(), static_cast<int>(seq_w_), ev.seq);
      ctx_.out << buf << ctx_.style.cyan("=" + name + std::string(13 - std::min<size_t>(13, name.size()), ' '))
               << "  " << opDetails(op) << '\n';
      rows_++;
    }
  }

  ViewContext& ctx_;
  const Filter& f_;
  uint64_t limit_;
  uint64_t rows_ = 0;
  uint64_t last_ordinal_ = 0;
  size_t ord_w_, seq_w_, time_w_;
};

}  // namespace

void setupEvents(CLI::App& app, EventsOptions& o) {
  app.add_flag("--events", o.enabled, "List the events (see --from, --to, --kind, --vaddr)");
  app.add_option("--kind", o.kinds,
                 "With --events: only these kinds (comma separated; event kinds or VMA ops: map, "
                 "unmap, protect, move, grow)");
  app.add_option("--vaddr", o.vaddr, "With --events: only events touching ADDR or START-END (hex)");
  app.add_option("--limit", o.limit, "With --events: stop after N rows");
}

void runEvents(const EventsOptions& o, const WindowOptions& w, ViewContext& ctx) {
  Filter f = makeFilter(o);
  Instant from = ctx.instant(w.from), to = ctx.instant(w.to);
  if (to.position < from.position) std::swap(from, to);
  // VMA operations need the state (windows in progress) at the start.
  ShadowState s = ctx.replay.stateAt(from.position, &ctx.damage);
  Printer p(ctx, f, o.limit, ctx.replay.eventCount());
  p.header();
  ctx.replay.run(s, to.position, &p, true, &ctx.damage);
  p.footer();
}

}  // namespace kmr::replayer
