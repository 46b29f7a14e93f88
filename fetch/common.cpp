#include "address.h"
#include "commands.h"

namespace kmr::fetch {

const char* const kAddressHelp =
    "Addresses: hex (7ffc1000 or 0x7ffc1000, as every kmemrec tool reads them), or\n"
    "a mapping name from /proc/PID/maps plus an offset: [stack], [heap]+0x10,\n"
    "[vdso]; FILE+OFF is the start of the first (lowest) mapping of the file\n"
    "whose basename is FILE (or starts with FILE followed by '.', '-', '_':\n"
    "libc+0x1000 finds libc.so.6).  Offsets are hex too.";

Method AccessFlags::method() const {
  if (walk_only && pread) throw UsageError("--walk-only and --pread exclude each other");
  if (walk_only && force)
    throw UsageError("--force needs get_user_pages (walk mode never writes read-only memory); "
                     "drop --walk-only");
  if (pread && force) throw UsageError("--force is not available with --pread");
  return walk_only ? Method::Walk : pread ? Method::Pread : Method::Gup;
}

void addAccessFlags(CLI::App* cmd, AccessFlags& f, bool write) {
  cmd->add_flag("--walk-only", f.walk_only,
                "manual page-table walk, no get_user_pages: pages must be present" +
                    std::string(write ? " and writable (never CoW-breaks or forces)"
                                      : " (never faults one in)"));
  cmd->add_flag("--force", f.force,
                write ? "write read-only memory too (FOLL_FORCE: code, string literals)"
                      : "read unreadable (PROT_NONE) memory too (FOLL_FORCE)");
  cmd->add_flag("--pread", f.pread,
                write ? "attach a session and pwrite() the device at offset = address"
                      : "attach a session and pread() the device at offset = address");
}

uint64_t AddressResolver::resolve(const std::string& text) {
  AddressSpec spec = parseAddressSpec(text);
  if (!needsMaps(spec)) return spec.value;
  if (!maps_) maps_ = readMaps(pid_);
  return resolveAddress(spec, *maps_, pid_);
}

}  // namespace kmr::fetch
