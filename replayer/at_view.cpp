// --at T: the shadow page table at an instant.
#include "base/abi_names.h"
#include "base/state_render.h"
#include "views.h"

namespace kmr::replayer {

void setupAt(CLI::App& app, AtOptions& o) {
  app.add_option("--at", o.at,
                 "Show the shadow page table at T (2.5s, 1500ms, 37%, event:N, mono:NS, start, end)");
  app.add_option("--range", o.range,
                 "With --at/--diff: only addresses START-END (hex, 0x optional, as in "
                 "/proc/PID/maps; the same syntax as kmemrec --range)");
}

void runAt(const AtOptions& o, ViewContext& ctx) {
  Instant in = ctx.instant(o.at);
  ShadowState s = ctx.replay.stateAt(in.position, &ctx.damage);
  // Once the target exited its address space is gone, but what anyone
  // asking for "end" of a crashed or finished target wants is its memory as
  // it went: the state just before the EXIT record (the last of a stream).
  const bool exited = s.exited();
  const int32_t code = s.exitCode();
  if (exited && in.position > 0) {
    ShadowState before = ctx.replay.stateAt(in.position - 1, &ctx.damage);
    if (!before.exited()) s = std::move(before);
  }
  StateRenderOptions ro;
  if (!o.range.empty()) {
    AddressRange r = parseAddressRange(o.range);
    ro.start = r.start;
    ro.end = r.end;
  }
  const bool before_first = in.position == 0 && ctx.replay.eventCount() > 0 &&
                            ctx.replay.timeOfEvent(0) > in.mono_ns;
  if (ctx.json) {
    nlohmann::json j = stateJson(s, ro);
    if (before_first) j["before_first_event"] = true;
    j["trace"] = ctx.reader.path();
    j["at"] = {{"spec", in.text},
               {"mono_ns", in.mono_ns},
               {"rel_ns", static_cast<int64_t>(in.mono_ns - ctx.reader.startNs())},
               {"events_applied", in.position},
               {"last_seq", s.lastSeq()}};
    if (exited && !s.exited()) {
      // The memory shown is the target's as it exited.
      j["exited"] = true;
      j["exit_code"] = code;
      j["memory_at_exit"] = true;
    }
    ctx.out << j.dump(2) << '\n';
    return;
  }
  ctx.out << ctx.style.bold("at " + ctx.describe(in)) << '\n';
  if (before_first) {
    // A process of a tree that had not started (or not been attached)
    // yet: say so rather than print an empty table.
    ctx.out << "nothing of this process is recorded before this instant: its first event is at "
            << ctx.rel(ctx.replay.timeOfEvent(0)) << '\n';
    return;
  }
  if (exited && !s.exited())
    ctx.out << "the target ended (" << describeWaitStatus(code) << "); its memory as it exited:\n";
  printState(ctx.out, s, ro, ctx.style);
}

}  // namespace kmr::replayer
