// kmemfetch's subcommands: one options struct, one setup function (adds the
// subcommand and its options to the app) and one run function each, in
// cmd_<name>.cpp.  Run functions print to stdout/stderr and return the exit
// status; they throw on errors (main turns them into "kmemfetch: error:").
#pragma once

#include <CLI/CLI.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "args.h"
#include "proc_maps.h"
#include "remote.h"

namespace kmr::fetch {

struct Globals {
  std::string device = "/dev/kmemrec";
};

struct AccessFlags {
  bool walk_only = false;  // --walk-only
  bool force = false;      // --force
  bool pread = false;      // --pread
  // The method these flags ask for; UsageError for a contradiction.
  Method method() const;
};

struct ReadOptions {
  std::string pid, addr, len;
  bool raw = false;
  AccessFlags access;
};
CLI::App* setupRead(CLI::App& app, ReadOptions& o);
int runRead(const ReadOptions& o, const Globals& g);

struct WriteOptions {
  std::string pid, addr, data;
  AccessFlags access;
};
CLI::App* setupWrite(CLI::App& app, WriteOptions& o);
int runWrite(const WriteOptions& o, const Globals& g);

struct WalkOptions {
  std::string pid;
  std::vector<std::string> addrs;
};
CLI::App* setupWalk(CLI::App& app, WalkOptions& o);
int runWalk(const WalkOptions& o, const Globals& g);

struct MapsOptions {
  std::string pid;
};
CLI::App* setupMaps(CLI::App& app, MapsOptions& o);
int runMaps(const MapsOptions& o, const Globals& g);

// Shared by the subcommands (common.cpp).

// Resolves address arguments of one process, reading its maps once, only
// if a name needs them.
class AddressResolver {
 public:
  explicit AddressResolver(uint32_t pid) : pid_(pid) {}
  uint64_t resolve(const std::string& text);

 private:
  uint32_t pid_;
  std::optional<std::vector<MapEntry>> maps_;
};

// Adds --walk-only, --force, --pread to @cmd.
void addAccessFlags(CLI::App* cmd, AccessFlags& f, bool write);

// Help text describing the address forms.
extern const char* const kAddressHelp;

}  // namespace kmr::fetch
