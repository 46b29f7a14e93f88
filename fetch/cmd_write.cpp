// kmemfetch write PID ADDR HEX|@FILE: change another process's memory.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <stdexcept>

#include "commands.h"

namespace kmr::fetch {
namespace {

constexpr uint64_t kMaxWrite = 1ull << 30;

std::vector<uint8_t> readData(const std::string& arg) {
  if (arg.empty() || arg[0] != '@') return parseHexBytes(arg);
  std::string path = arg.substr(1);
  std::vector<uint8_t> out;
  if (path == "-") {
    out.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
    if (std::cin.bad()) throw std::runtime_error("cannot read the data from stdin");
  } else {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw UsageError("cannot open " + path + ": " + std::strerror(errno));
    out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    if (in.bad()) throw std::runtime_error("cannot read " + path);
  }
  if (out.empty()) throw UsageError("no data to write in " + (path == "-" ? "stdin" : path));
  if (out.size() > kMaxWrite) throw UsageError("more than 1G of data: write in pieces");
  return out;
}

}  // namespace

CLI::App* setupWrite(CLI::App& app, WriteOptions& o) {
  CLI::App* c = app.add_subcommand(
      "write", "Write bytes into process PID at ADDR: hex digits, or @FILE (@- = stdin)");
  c->add_option("pid", o.pid, "process id")->required();
  c->add_option("addr", o.addr, "address (forms below)")->required();
  c->add_option("data", o.data, "48656c6c6f, '48 65 6c 6c 6f', @file or @-")->required();
  addAccessFlags(c, o.access, true);
  c->footer(std::string(kAddressHelp) +
            "\nEvery write appears as a mem-write event in any kmemrec recording of\n"
            "the process.  A write that stops early is an error (exit 1) saying how\n"
            "many bytes were written.\n");
  return c;
}

int runWrite(const WriteOptions& o, const Globals& g) {
  uint32_t pid = parsePid(o.pid);
  Method m = o.access.method();
  std::vector<uint8_t> data = readData(o.data);
  uint64_t addr = AddressResolver(pid).resolve(o.addr);
  if (addr + data.size() - 1 < addr)
    throw UsageError("range " + hexAddr(addr) + " + " + std::to_string(data.size()) +
                     " wraps around");

  Device dev(g.device);
  Remote remote(dev, pid, m, o.access.force);
  Access a = remote.write(addr, data);
  if (a.done == 0)
    throw std::runtime_error(explainAccessError(a.err, pid, addr, true, m, o.access.force));
  if (a.done < data.size())
    throw std::runtime_error(
        "wrote only " + std::to_string(a.done) + " of " + std::to_string(data.size()) +
        " bytes at " + hexAddr(addr) + "; " +
        explainAccessError(a.err, pid, addr + a.done, true, m, o.access.force));
  std::printf("wrote %zu bytes at %s in process %u (%s%s)\n", data.size(),
              hexAddr(addr).c_str(), pid, methodName(m), o.access.force ? ", forced" : "");
  return 0;
}

}  // namespace kmr::fetch
