// kmemfetch read PID ADDR LEN: bytes of another process, as a hexdump or raw.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

#include "commands.h"
#include "hexdump.h"

namespace kmr::fetch {
namespace {

constexpr uint64_t kMaxRead = 1ull << 30;  // one buffer in memory

void writeAll(const void* p, size_t n) {
  if (n && std::fwrite(p, 1, n, stdout) != n)
    throw std::runtime_error(std::string("writing to stdout: ") + std::strerror(errno));
}

}  // namespace

CLI::App* setupRead(CLI::App& app, ReadOptions& o) {
  CLI::App* c = app.add_subcommand(
      "read", "Read LEN bytes of process PID at ADDR; print a hexdump (or --raw bytes)");
  c->add_option("pid", o.pid, "process id")->required();
  c->add_option("addr", o.addr, "address (forms below)")->required();
  c->add_option("len", o.len, "bytes: 4096, 0x1000, 4K (at most 1G)")->required();
  c->add_flag("--raw", o.raw, "write the bytes to stdout as they are");
  addAccessFlags(c, o.access, false);
  c->footer(std::string(kAddressHelp) +
            "\nA read that stops early (a hole, a page not present) prints what it got\n"
            "and a note on stderr; nothing read at all is an error.\n");
  return c;
}

int runRead(const ReadOptions& o, const Globals& g) {
  uint32_t pid = parsePid(o.pid);
  uint64_t len = parseLength(o.len);
  Method m = o.access.method();
  if (len > kMaxRead) throw UsageError("length " + o.len + " is above 1G: read in pieces");
  uint64_t addr = AddressResolver(pid).resolve(o.addr);
  if (addr + len - 1 < addr)
    throw UsageError("range " + hexAddr(addr) + " + " + o.len + " wraps around");

  Device dev(g.device);
  Remote remote(dev, pid, m, o.access.force);
  std::vector<uint8_t> buf(len);
  Access a = remote.read(addr, buf);
  if (a.done == 0)
    throw std::runtime_error(explainAccessError(a.err, pid, addr, false, m, o.access.force));

  if (o.raw) {
    writeAll(buf.data(), a.done);
  } else {
    // in pieces of 64 KiB that start on 16-byte boundaries of the address
    int width = hexdumpWidth(addr + a.done - 1);
    uint64_t off = 0;
    while (off < a.done) {
      uint64_t end = std::min<uint64_t>(a.done, ((addr + off + 65536) & ~uint64_t{15}) - addr);
      std::string s = hexdump(addr + off, std::span(buf).subspan(off, end - off), width);
      writeAll(s.data(), s.size());
      off = end;
    }
  }
  if (std::fflush(stdout) != 0)
    throw std::runtime_error(std::string("writing to stdout: ") + std::strerror(errno));
  if (a.done < len)
    std::fprintf(stderr, "kmemfetch: note: read %llu of %llu bytes; stopped at %s: %s\n",
                 static_cast<unsigned long long>(a.done), static_cast<unsigned long long>(len),
                 hexAddr(addr + a.done).c_str(),
                 explainAccessError(a.err, pid, addr + a.done, false, m, o.access.force).c_str());
  return 0;
}

}  // namespace kmr::fetch
