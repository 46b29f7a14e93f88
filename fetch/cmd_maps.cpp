// kmemfetch maps PID: the process's mappings with resident page counts.
#include <unistd.h>

#include <cstdio>

#include "commands.h"
#include "base/table.h"

namespace kmr::fetch {

CLI::App* setupMaps(CLI::App& app, MapsOptions& o) {
  CLI::App* c = app.add_subcommand(
      "maps", "List process PID's mappings with their resident and swapped page counts");
  c->add_option("pid", o.pid, "process id")->required();
  c->footer("From /proc/PID/smaps: resident = Rss / page size (a huge page counts as\n"
            "the 4 KiB pages it covers), swap likewise.  The names in the last column\n"
            "are the ones addresses may use ([stack], FILE+OFF).\n");
  return c;
}

int runMaps(const MapsOptions& o, const Globals&) {
  uint32_t pid = parsePid(o.pid);
  std::vector<MapEntry> maps = readMaps(pid, true);
  uint64_t page_kb = static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
  using A = Table::Align;
  Table t({{"start", A::Left},
           {"end", A::Left},
           {"perms", A::Left},
           {"offset", A::Right},
           {"size", A::Right},
           {"resident", A::Right},
           {"swap", A::Right},
           {"name", A::Left}});
  uint64_t total_res = 0, total_swap = 0, total_kb = 0;
  for (const MapEntry& e : maps) {
    uint64_t kb = (e.end - e.start) / 1024;
    total_kb += kb;
    total_res += e.rss_kb / page_kb;
    total_swap += e.swap_kb / page_kb;
    char off[24];
    std::snprintf(off, sizeof(off), "%llx", static_cast<unsigned long long>(e.offset));
    t.row({hexAddr(e.start), hexAddr(e.end), e.perms, off, std::to_string(kb) + "K",
           std::to_string(e.rss_kb / page_kb), std::to_string(e.swap_kb / page_kb), e.name});
  }
  std::fputs(t.str().c_str(), stdout);
  std::printf("%zu mappings, %lluK mapped, %llu pages resident, %llu swapped\n", maps.size(),
              static_cast<unsigned long long>(total_kb),
              static_cast<unsigned long long>(total_res),
              static_cast<unsigned long long>(total_swap));
  return 0;
}

}  // namespace kmr::fetch
