// kmemfetch: read, write and walk another process's memory through the
// kmemrec module (/dev/kmemrec).
#include <cstdio>
#include <exception>
#include <string>

#include "commands.h"
#include "base/device.h"
#include "base/exit_codes.h"
#include "base/version.h"

int main(int argc, char** argv) {
  using namespace kmr::fetch;
  CLI::App app{
      "kmemfetch: read, write and walk another process's memory through the kmemrec\n"
      "kernel module (needs /dev/kmemrec: `insmod kernel/kmemrec.ko`).\n\n"
      "  kmemfetch read PID ADDR LEN        hexdump (--raw: bytes)\n"
      "  kmemfetch write PID ADDR HEX|@FILE  (--walk-only, --force)\n"
      "  kmemfetch walk PID ADDR...         page-table entries, pfn, physical address\n"
      "  kmemfetch maps PID                 mappings with resident page counts\n\n"
      "Access needs the right to ptrace-attach to PID (root, or the same user).\n"
      "Exit status: 0 done; 1 error; 2 bad command line.",
      "kmemfetch"};
  app.set_version_flag("--version", std::string("kmemfetch ") + kmr::kVersion);
  app.require_subcommand(1);
  Globals g;
  app.add_option("--device", g.device, "the kmemrec device")->capture_default_str();
  ReadOptions ro;
  WriteOptions wo;
  WalkOptions ko;
  MapsOptions mo;
  CLI::App* read = setupRead(app, ro);
  CLI::App* write = setupWrite(app, wo);
  CLI::App* walk = setupWalk(app, ko);
  CLI::App* maps = setupMaps(app, mo);

  // CLI11 reports a misspelt subcommand as "a subcommand is required".
  bool known = false;
  for (const CLI::App* sub : {read, write, walk, maps})
    known = known || (argc > 1 && sub->get_name() == argv[1]);
  if (argc > 1 && argv[1][0] != '-' && !known) {
    std::fprintf(stderr,
                 "kmemfetch: error: unknown subcommand '%s' (read, write, walk, maps; see "
                 "kmemfetch --help)\n",
                 argv[1]);
    return kmr::kExitUsage;
  }
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "kmemfetch: error: %s (see kmemfetch --help)\n", e.what());
    return kmr::kExitUsage;
  }
  try {
    if (*read) return runRead(ro, g);
    if (*write) return runWrite(wo, g);
    if (*walk) return runWalk(ko, g);
    if (*maps) return runMaps(mo, g);
  } catch (const kmr::UsageError& e) {
    std::fprintf(stderr, "kmemfetch: error: %s\n", e.what());
    return kmr::kExitUsage;
  } catch (const kmr::DeviceError& e) {
    std::fprintf(stderr, "kmemfetch: error: %s\n%s", e.what(), kmr::doctorHint(e));
    return kmr::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmemfetch: error: %s\n", e.what());
    return kmr::kExitError;
  }
  return kmr::kExitUsage;
}
