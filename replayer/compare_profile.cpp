#include "compare_profile.h"

#include <exception>
#include <filesystem>
#include <thread>

#include "views.h"

#include "kmr/replay.h"
#include "kmr/time_spec.h"

namespace kmr::replayer {
namespace {

// The tracker, plus a look at every life's resident pages when the replay
// passes the --at-relative position.
class ProfileVisitor : public EventVisitor {
 public:
  ProfileVisitor(LifeTracker& t, InstantProfile* instant) : t_(t), instant_(instant) {}

  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState& state,
               const std::vector<VmaOp>& ops) override {
    t_.onEvent(ev, ordinal, state, ops);
    uint64_t applied = ordinal + (ev.kind == EventKind::Gap ? ev.gap.events : 1);
    if (instant_ && !taken_ && applied >= instant_->position) take(state);
  }
  void onEnd(const ShadowState& state, const std::vector<VmaOp>& ops) override {
    t_.onEnd(state, ops);
    if (instant_ && !taken_) take(state);
  }
  void take(const ShadowState& state) {
    taken_ = true;
    instant_->present_pages = state.pages().presentPages();
    instant_->resident.assign(t_.lives().size(), InstantProfile::kNotAlive);
    for (const VmaLife& l : t_.lives())
      if (l.alive()) instant_->resident[l.id] = l.resident;
  }
  bool taken() const { return taken_; }

 private:
  LifeTracker& t_;
  InstantProfile* instant_;
  bool taken_ = false;
};

// "t.kmr:4243" names process 4243 of t.kmr; a file that exists under the
// whole name is that file.
std::pair<std::string, std::optional<uint32_t>> splitPid(const std::string& spec) {
  size_t colon = spec.rfind(':');
  if (colon == std::string::npos || colon + 1 == spec.size() || std::filesystem::exists(spec))
    return {spec, std::nullopt};
  std::string digits = spec.substr(colon + 1);
  if (digits.size() > 9 || digits.find_first_not_of("0123456789") != std::string::npos)
    return {spec, std::nullopt};
  return {spec.substr(0, colon), static_cast<uint32_t>(std::stoul(digits))};
}

}  // namespace

TraceProfile profileTrace(const std::string& spec, std::optional<double> at_fraction) {
  const std::string& path = spec;
  auto [file_path, pid] = splitPid(spec);
  TraceReader file(file_path);
  if (!pid && file.streams().size() > 1)
    throw Error(Error::Code::Usage, file_path + " holds " +
                                        std::to_string(file.streams().size()) +
                                        " processes: name one as " + file_path + ":PID (" +
                                        pidList(file) + ")");
  std::unique_ptr<TraceReader> stream = file.openStream(pid ? streamOfPid(file, *pid) : 0);
  const TraceReader& reader = *stream;
  Replay replay(reader);
  TraceProfile p;
  p.path = path;
  p.header = reader.header();
  p.start_ns = reader.startNs();
  p.end_ns = reader.endNs();
  p.events = reader.eventCount();

  if (at_fraction) {
    TimeSpec spec;
    spec.kind = TimeSpec::Kind::Percent;
    spec.percent = *at_fraction * 100.0;
    spec.text = std::to_string(spec.percent) + "%";
    Instant in = resolveTime(spec, replay);
    p.instant.emplace();
    p.instant->fraction = *at_fraction;
    p.instant->mono_ns = in.mono_ns;
    p.instant->position = in.position;
  }

  // A flight-recorder window starts from its keyframe at event 0, not empty.
  ShadowState state = replay.stateAt(0, &p.damage);
  LifeTracker tracker(p.start_ns);
  tracker.begin(state, p.start_ns);
  ProfileVisitor v(tracker, p.instant ? &*p.instant : nullptr);
  if (p.instant && p.instant->position == 0) v.take(state);
  replay.run(state, replay.eventCount(), &v, true, &p.damage);
  if (!v.taken() && p.instant) v.take(state);

  p.damage.insert(p.damage.begin(), reader.damage().begin(), reader.damage().end());
  if (reader.truncated())
    p.damage.push_back({reader.fileSize(), -1,
                        "the trace is cut short (its writer did not finish): compared its " +
                            std::to_string(reader.eventCount()) + " readable events"});
  p.lives = tracker.lives();
  p.names = tracker.names();
  p.totals = tracker.totals();
  for (const VmaLife& l : p.lives) {
    if (l.origin == LifeOrigin::Start) p.lives_at_start++;
    else p.lives_created++;
    if (l.end_how == LifeEnd::Unmapped) p.lives_ended++;
  }
  return p;
}

std::pair<TraceProfile, TraceProfile> profileTraces(const std::string& a, const std::string& b,
                                                    std::optional<double> at_fraction) {
  TraceProfile pb;
  std::exception_ptr err;
  std::thread t([&] {
    try {
      pb = profileTrace(b, at_fraction);
    } catch (...) {
      err = std::current_exception();
    }
  });
  TraceProfile pa;
  std::exception_ptr err_a;
  try {
    pa = profileTrace(a, at_fraction);
  } catch (...) {
    err_a = std::current_exception();
  }
  t.join();
  if (err_a) std::rethrow_exception(err_a);
  if (err) std::rethrow_exception(err);
  return {std::move(pa), std::move(pb)};
}

}  // namespace kmr::replayer
