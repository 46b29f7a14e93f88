// kmemfetch walk PID ADDR...: virtual to physical, every level's entry.
#include <cerrno>
#include <cstdio>
#include <stdexcept>

#include "commands.h"
#include "base/table.h"
#include "walk_format.h"

namespace kmr::fetch {

CLI::App* setupWalk(CLI::App& app, WalkOptions& o) {
  CLI::App* c = app.add_subcommand(
      "walk", "Walk process PID's page tables for each ADDR: entries, pfn, physical address");
  c->add_option("pid", o.pid, "process id")->required();
  c->add_option("addr", o.addrs, "addresses (forms below)")->required();
  c->footer(std::string(kAddressHelp) +
            "\nColumns: the raw entry read at each level (pgd, p4d, pud, pmd, pte; '-'\n"
            "below the level where the walk stopped, '=pgd' when p4d is folded into\n"
            "the pgd with 4-level paging), the pfn and physical address of ADDR, the\n"
            "size of the leaf, its flags, and where and why the walk stopped.\n");
  return c;
}

int runWalk(const WalkOptions& o, const Globals& g) {
  uint32_t pid = parsePid(o.pid);
  AddressResolver resolver(pid);
  std::vector<uint64_t> addrs;
  for (const std::string& s : o.addrs) addrs.push_back(resolver.resolve(s));

  Device dev(g.device);
  std::vector<Table::Column> cols;
  for (const std::string& t : walkColumns()) cols.push_back({t, Table::Align::Left});
  Table table(cols);
  for (uint64_t a : addrs) {
    kmr_walk w;
    try {
      w = dev.walk(pid, a);
    } catch (const DeviceError& e) {
      if (e.error() == EFAULT)
        throw std::runtime_error(hexAddr(a) + " is not a user address of process " +
                                 std::to_string(pid) + " (at or above its TASK_SIZE)");
      throw std::runtime_error(explainAccessError(e.error(), pid, a, false, Method::Walk, false));
    }
    table.row(walkRow(w));
  }
  std::fputs(table.str().c_str(), stdout);
  return 0;
}

}  // namespace kmr::fetch
