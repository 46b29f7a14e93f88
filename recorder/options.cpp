#include "options.h"

#include <CLI/CLI.hpp>
#include <kmemrec/abi.h>

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include "base/numbers.h"
#include "base/version.h"

namespace kmr::recorder {
namespace {

struct EventName {
  const char* name;
  uint64_t mask;
  const char* what;
};
constexpr EventName kEventNames[] = {
    {"vma", KMR_MASK_VMA, "VMA changes (map, unmap, protect, move, grow)"},
    {"pte", KMR_MASK_PTE, "page table entries mapped and unmapped"},
    {"cow", KMR_MASK_COW, "copy-on-write copies"},
    {"fault", KMR_MASK_FAULT, "page faults"},
    {"mem-write", KMR_MASK_MEM_WRITE, "writes through kmemfetch"},
    {"all", KMR_MASK_ALL, "all of the above (default)"},
    {"page-cow", KMR_MASK_PAGE_COW, "opt-in: contents of pages copied by CoW"},
    {"page-cow-hash", KMR_MASK_PAGE_COW_HASH, "opt-in: xxh64 of pages copied by CoW"},
};

}  // namespace

uint64_t parseDuration(const std::string& s) {
  std::string num = s;
  double unit = 1e9;
  auto ends = [&](const char* suf) {
    size_t n = std::strlen(suf);
    if (num.size() > n && num.compare(num.size() - n, n, suf) == 0) {
      num.resize(num.size() - n);
      return true;
    }
    return false;
  };
  if (ends("ms")) unit = 1e6;
  else if (ends("us")) unit = 1e3;
  else if (ends("s")) unit = 1e9;
  else if (ends("m")) unit = 60e9;
  else if (ends("h")) unit = 3600e9;
  errno = 0;
  char* end = nullptr;
  double v = num.empty() ? -1 : std::strtod(num.c_str(), &end);
  if (errno || num.empty() || *end || !(v > 0) || !std::isfinite(v) || v * unit > 1e18)
    throw UsageError("bad duration '" + s + "' (e.g. 10, 1.5s, 500ms, 2m)");
  return static_cast<uint64_t>(std::llround(v * unit));
}

std::pair<uint64_t, uint64_t> parseTracedRange(const std::string& s) {
  AddressRange r = parseAddressRange(s);
  uint64_t a = r.start, b = r.end;
  // Whole pages: the module traces pages, so widen to page boundaries (one
  // ADDR is the page that holds it).
  a &= ~0xfffull;
  if (b > UINT64_MAX - 0xfff) throw UsageError("bad range '" + s + "': END too large");
  b = (b + 0xfff) & ~0xfffull;
  return {a, b};
}

uint64_t parseEvents(const std::string& s) {
  uint64_t mask = 0;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    bool found = false;
    for (const EventName& e : kEventNames)
      if (item == e.name) {
        mask |= e.mask;
        found = true;
      }
    if (!found) {
      std::string names;
      for (const EventName& e : kEventNames) names += std::string(names.empty() ? "" : ", ") + e.name;
      throw UsageError("unknown event kind '" + item + "' (known: " + names + ")");
    }
  }
  if (!mask) throw UsageError("--events needs at least one kind");
  // Page contents ride on CoW records: asking for them implies cow.
  if (mask & (KMR_MASK_PAGE_COW | KMR_MASK_PAGE_COW_HASH)) mask |= KMR_MASK_COW;
  return mask;
}

std::optional<Options> parseOptions(int argc, const char* const* argv, std::string* out) {
  Options o;
  // Everything after the first "--" is the program to launch, untouched.
  std::vector<std::string> args;
  int i = 1;
  for (; i < argc; i++) {
    if (std::string(argv[i]) == "--") {
      for (int k = i + 1; k < argc; k++) o.command.emplace_back(argv[k]);
      if (o.command.empty()) throw UsageError("nothing to launch after '--'");
      break;
    }
    args.emplace_back(argv[i]);
  }
  for (int k = 1; k < argc; k++) o.commandLine += std::string(k > 1 ? " " : "") + argv[k];

  CLI::App app{
      "kmemrec: record what happens to a process's memory (VMAs, page table entries,\n"
      "copy-on-write, faults) into a trace file for kmemreplay.\n\n"
      "  kmemrec PID -o trace.kmr           attach to a running process\n"
      "  kmemrec -o trace.kmr -- prog args  launch prog and record from its first instruction\n"
      "  kmemrec --comm NAME -o trace.kmr   record every process named NAME, running or\n"
      "                                     started later, until Ctrl-C (--comm-once: the first)\n"
      "  kmemrec doctor                     check what recording needs on this machine\n\n"
      "Exit status: 0 trace complete; 1 error; 2 bad command line; 3 trace complete\n"
      "but events were lost.  Addresses are hex (0x optional), as /proc/PID/maps\n"
      "prints them.",
      "kmemrec"};
  app.set_version_flag("--version", std::string("kmemrec ") + kVersion);
  std::string pid, range, events, duration, bufsize, capture;
  app.add_option("pid", pid, "process to attach to");
  app.add_option("--comm", o.comm,
                 "record every process with this name (as in /proc/PID/comm): those running and "
                 "those that start later (exec, rename, fork), each in its own stream, until "
                 "stopped (Ctrl-C, --duration); with -f their descendants too");
  app.add_option("-o,--output", o.output, "trace file to write (mode 0600)")->required();
  app.add_option("--range", range,
                 "trace only START-END (hex, 0x optional, as in /proc/PID/maps; whole pages; "
                 "default: everything)");
  std::string event_help = "event kinds, comma separated:";
  for (const EventName& e : kEventNames) event_help += std::string("\n  ") + e.name + ": " + e.what;
  app.add_option("--events", events, event_help);
  app.add_option("--capture-pages", capture,
                 "also record the contents of pages copied by CoW: 'cow' (bytes) or "
                 "'cow:hash' (xxh64 of each page)");
  app.add_option("--duration", duration, "stop after this long (10, 1.5s, 500ms, 2m)");
  app.add_option("--buffer-size", bufsize,
                 "ring size per CPU, a power of two (default 8M; 64K..1G)");
  app.add_flag("--lossless", o.lossless,
               "never lose an event of the target: when a ring is half full, the target's "
               "threads wait (on their way back to user space) until kmemrec has caught up; "
               "the summary says how long they were held");
  std::string flight, trigger_rss;
  app.add_option("--flight-recorder", flight,
                 "keep only the last SIZE (e.g. 64M) of compressed trace, in memory, and write it "
                 "to -o FILE when triggered: SIGUSR1, the target's fatal signal (SEGV, BUS, ABRT, "
                 "ILL, FPE) or OOM kill, --trigger-rss, and also SIGINT/SIGTERM, --duration and "
                 "the target's exit");
  app.add_option("--trigger-rss", trigger_rss,
                 "with --flight-recorder: trigger when the target's resident pages in the traced "
                 "range reach SIZE");
  app.add_option("--trigger-repeat", o.trigger_repeat,
                 "with --flight-recorder: go on after a trigger, writing FILE.1.kmr, FILE.2.kmr, "
                 "... up to N files")
      ->check(CLI::Range(1u, 100000u));
  app.add_flag("-f,--follow", o.follow,
               "also record every process the target creates (fork, vfork+exec, clone without "
               "CLONE_VM), and theirs, into the same trace: each child is held before its first "
               "instruction until its recording runs");
  CLI::Option* max_procs = app.add_option("--max-procs", o.max_procs,
                 "with -f: follow at most N processes, the target included (default 10000); "
                 "the summary says how many more were not followed")
      ->check(CLI::Range(1u, 1000000u));
  app.add_flag("--live", o.live, "print the shadow page table of the traced range every second");
  app.add_flag("-q,--quiet", o.quiet, "no status line and no summary");
  app.add_flag("--comm-once", o.comm_once,
               "with --comm: record only the first process of that name (waiting for it to "
               "start) and end when it exits");
  app.add_option("--comm-timeout", o.comm_timeout_s,
                 "with --comm: give up when no process of that name appeared within this many "
                 "seconds (default: wait forever)");
  app.add_option("--device", o.device, "the kmemrec device")->capture_default_str();
  app.footer("Launch mode: put the program and its arguments after '--'.");

  try {
    std::vector<std::string> rev(args.rbegin(), args.rend());
    app.parse(rev);
  } catch (const CLI::CallForHelp&) {
    *out = app.help();
    return std::nullopt;
  } catch (const CLI::CallForVersion&) {
    *out = std::string("kmemrec ") + kVersion + "\n";
    return std::nullopt;
  } catch (const CLI::ParseError& e) {
    throw UsageError(e.what());
  }

  if (!pid.empty()) {
    try {
      o.pid = parsePid(pid);
    } catch (const UsageError&) {
      throw UsageError("bad pid '" + pid + "' (a decimal process id; for a name use --comm)");
    }
  }
  int modes = !!o.pid + !o.comm.empty() + !o.command.empty();
  if (modes == 0) throw UsageError("say what to record: a PID, --comm NAME, or -- prog args");
  if (modes > 1) throw UsageError("give only one of: a PID, --comm NAME, -- prog args");
  if (!o.comm.empty() && o.comm.size() > 15)
    throw UsageError("--comm '" + o.comm + "' is longer than the kernel keeps (15 bytes)");
  if (o.comm_timeout_s < 0) throw UsageError("--comm-timeout must not be negative");
  if (o.comm_once && o.comm.empty()) throw UsageError("--comm-once needs --comm NAME");
  if (!range.empty()) std::tie(o.range_start, o.range_end) = parseTracedRange(range);
  if (!events.empty()) {
    o.event_mask = parseEvents(events);
    o.events_text = events;
  }
  if (!capture.empty()) {
    uint64_t m;
    if (capture == "cow")
      m = KMR_MASK_PAGE_COW;
    else if (capture == "cow:hash")
      m = KMR_MASK_PAGE_COW_HASH;
    else
      throw UsageError("--capture-pages takes 'cow' or 'cow:hash', not '" + capture + "'");
    // An explicit --events narrows the rest; otherwise everything is kept.
    o.event_mask = (o.event_mask ? o.event_mask : KMR_MASK_ALL) | m | KMR_MASK_COW;
    o.events_text += ",capture-pages=" + capture;
  }
  if (!duration.empty()) o.duration_ns = parseDuration(duration);
  if (!flight.empty()) {
    o.flight_bytes = parseSize(flight);
    // Below this the window would be a keyframe and little else.
    if (o.flight_bytes < (256u << 10))
      throw UsageError("--flight-recorder needs at least 256K, not " + flight);
  }
  if (!trigger_rss.empty()) {
    if (!o.flight_bytes) throw UsageError("--trigger-rss needs --flight-recorder SIZE");
    o.trigger_rss = parseSize(trigger_rss);
    if (!o.trigger_rss) throw UsageError("--trigger-rss must be more than 0");
  }
  if (o.follow && o.flight_bytes)
    throw UsageError("-f does not work with --flight-recorder yet: record the tree to a file");
  if (o.follow && o.live) throw UsageError("-f does not work with --live: it shows one process");
  if (o.commAll() && o.flight_bytes)
    throw UsageError("--comm records every process of the name; --flight-recorder records one: "
                     "add --comm-once");
  if (o.commAll() && o.live)
    throw UsageError("--comm records every process of the name; --live shows one: add "
                     "--comm-once");
  if (!o.tree() && max_procs->count())
    throw UsageError("--max-procs needs -f (or --comm without --comm-once)");
  if (o.trigger_repeat && !o.flight_bytes)
    throw UsageError("--trigger-repeat needs --flight-recorder SIZE");
  if (!bufsize.empty()) {
    o.buffer_size = parseSize(bufsize);
    if (o.buffer_size < KMR_RING_SIZE_MIN || o.buffer_size > KMR_RING_SIZE_MAX ||
        (o.buffer_size & (o.buffer_size - 1)))
      throw UsageError("--buffer-size must be a power of two between 64K and 1G, not " + bufsize);
  }
  return o;
}

}  // namespace kmr::recorder
