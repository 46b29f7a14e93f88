// --at T --page VADDR: the bytes of one page as last captured at or before
// T (kmemrec --capture-pages cow), written for kmemfetch (issue 5).
//
// Contents reach a trace only as KMR_EV_PAGE_DATA records, sent when a CoW
// copies a page: the bytes the page held just before the faulting write
// (zeros for a zero-page CoW), or their xxh64 with cow:hash.  So "the page
// at T" is the latest capture of that page at or before T, and the view says
// what may have changed it since: the process's own stores are not traced,
// writes through kmemfetch are (KMR_EV_MEM_WRITE, listed with the range they
// covered), and a remap shows as a different pfn at T.  An exec forgets
// earlier captures (another address space).  The walk replays from the
// start of the trace: O(events), as --events.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <vector>

#include "event_text.h"
#include "kmr/error.h"
#include "base/abi_names.h"
#include "base/numbers.h"
#include "views.h"

namespace kmr::replayer {
namespace {

constexpr uint64_t kPage = 4096;

struct Capture {
  bool found = false;
  uint64_t ordinal = 0, time_ns = 0, pfn = 0;
  uint32_t flags = 0;
  std::vector<uint8_t> data;  // 4096 bytes, or the 8-byte hash
};

struct Write {
  uint64_t ordinal, time_ns, vaddr, len;
  uint32_t pid, mode;
};

class PageFinder : public EventVisitor {
 public:
  explicit PageFinder(uint64_t page) : page_(page) {}

  void onEvent(const Event& ev, uint64_t ordinal, const ShadowState&,
               const std::vector<VmaOp>&) override {
    switch (ev.kind) {
      case EventKind::PageData:
        if ((ev.page_data.vaddr & ~(kPage - 1)) != page_) return;
        cap_.found = true;
        cap_.ordinal = ordinal;
        cap_.time_ns = ev.time_ns;
        cap_.pfn = ev.page_data.pfn;
        cap_.flags = ev.flags;
        cap_.data.assign(ev.data.begin(), ev.data.end());
        writes_.clear();
        break;
      case EventKind::MemWrite:
        if (cap_.found && ev.mem_write.vaddr < page_ + kPage &&
            ev.mem_write.vaddr + ev.mem_write.len > page_)
          writes_.push_back({ordinal, ev.time_ns, ev.mem_write.vaddr, ev.mem_write.len,
                             ev.mem_write.writer_pid, ev.mem_write.mode});
        break;
      case EventKind::Exec:
        cap_ = Capture{};
        writes_.clear();
        break;
      default:
        break;
    }
  }

  const Capture& capture() const { return cap_; }
  const std::vector<Write>& writes() const { return writes_; }

 private:
  uint64_t page_;
  Capture cap_;
  std::vector<Write> writes_;
};

bool isHash(const Capture& c) { return (c.flags & KMR_PAGE_DATA_HASH) && c.data.size() == 8; }

uint64_t hashOf(const Capture& c) {
  uint64_t h = 0;
  for (int i = 7; i >= 0; i--) h = h << 8 | c.data[static_cast<size_t>(i)];
  return h;
}

// xxd-style lines, as kmemfetch prints: "7f0000001000: 4865 6c6c ...  Hello..."
void hexdump(std::ostream& out, uint64_t addr, const std::vector<uint8_t>& b) {
  char buf[96];
  for (size_t off = 0; off < b.size(); off += 16) {
    int n = std::snprintf(buf, sizeof buf, "%012" PRIx64 ":", addr + off);
    std::string ascii;
    for (size_t i = 0; i < 16; i++) {
      uint8_t c = off + i < b.size() ? b[off + i] : 0;
      n += std::snprintf(buf + n, sizeof buf - static_cast<size_t>(n), i % 2 ? "%02x" : " %02x", c);
      ascii += c >= 0x20 && c < 0x7f ? static_cast<char>(c) : '.';
    }
    out << buf << "  " << ascii << '\n';
  }
}

}  // namespace

void setupPage(CLI::App& app, PageOptions& o) {
  app.add_option("--page", o.page,
                 "With --at T: the bytes of the page holding VADDR (hex) as last captured at or "
                 "before T (record with kmemrec --capture-pages cow)");
}

void runPage(const PageOptions& o, const std::string& at, ViewContext& ctx) {
  AddressRange r = parseAddressRange(o.page);
  if (!r.single) throw UsageError("--page takes one address, not a range: '" + o.page + "'");
  uint64_t page = r.start & ~(kPage - 1);
  Instant in = ctx.instant(at);
  PageFinder finder(page);
  ShadowState s;
  ctx.replay.run(s, in.position, &finder, false, &ctx.damage);
  const Capture& c = finder.capture();
  if (!c.found)
    throw Error(Error::Code::Range, "no contents captured for page " + hex(page) + " at or before " +
                                        ctx.describe(in) +
                                        " (record with kmemrec --capture-pages cow; a page is "
                                        "captured when a CoW copies it)");
  uint64_t now = s.pages().get(page / kPage);
  bool present = KMR_PTE_FLAGS(now) & KMR_PTE_PRESENT;
  uint64_t now_pfn = KMR_PTE_PFN(now);
  std::string when = ctx.rel(c.time_ns);

  if (ctx.json) {
    nlohmann::json j;
    j["trace"] = ctx.reader.path();
    j["page"] = page;
    j["pfn"] = c.pfn;
    j["captured"] = {{"event", c.ordinal},
                     {"mono_ns", c.time_ns},
                     {"rel_ns", static_cast<int64_t>(c.time_ns - ctx.reader.startNs())},
                     {"cow", (c.flags & KMR_PAGE_DATA_COW) != 0}};
    if (isHash(c)) {
      j["xxh64"] = hashOf(c);
    } else {
      std::string hexs;
      char b[3];
      for (uint8_t v : c.data) {
        std::snprintf(b, sizeof b, "%02x", v);
        hexs += b;
      }
      j["bytes"] = hexs;
    }
    j["at"] = {{"spec", in.text}, {"mono_ns", in.mono_ns}, {"events_applied", in.position}};
    j["mapped_at"] = present ? nlohmann::json(now_pfn) : nlohmann::json(nullptr);
    nlohmann::json w = nlohmann::json::array();
    for (const Write& x : finder.writes())
      w.push_back({{"event", x.ordinal}, {"mono_ns", x.time_ns}, {"vaddr", x.vaddr},
                   {"len", x.len}, {"writer_pid", x.pid}, {"mode", memModeName(x.mode)}});
    j["mem_writes_after"] = w;
    ctx.out << j.dump(2) << '\n';
    return;
  }

  std::string cow = c.flags & KMR_PAGE_DATA_COW ? " (cow)" : "";
  if (isHash(c)) {
    char h[24];
    std::snprintf(h, sizeof h, "0x%016" PRIx64, hashOf(c));
    ctx.out << "page " << hex(page) << " xxh64 " << h << " captured at " << when << cow << '\n';
  } else {
    ctx.out << "page " << hex(page) << " pfn " << hex(c.pfn) << " captured at " << when << cow
            << '\n';
    hexdump(ctx.out, page, c.data);
  }
  if (!present)
    ctx.out << "note: at " << ctx.describe(in) << " the page is not mapped\n";
  else if (now_pfn != c.pfn && !isHash(c))
    ctx.out << "note: at " << ctx.describe(in) << " the page maps pfn " << hex(now_pfn)
            << ", not the captured one: these are the bytes of the capture\n";
  for (const Write& x : finder.writes()) {
    uint64_t b = std::max(x.vaddr, page) - page, e = std::min(x.vaddr + x.len, page + kPage) - page;
    ctx.out << "note: written after the capture by pid " << x.pid << " (" << memModeName(x.mode)
            << ") at " << ctx.rel(x.time_ns) << ": bytes " << b << ".." << e
            << " of the page (not in the trace)\n";
  }
}

}  // namespace kmr::replayer
