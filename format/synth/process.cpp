#include "synth/process.h"

#include <algorithm>
#include <functional>

#include "kmr/error.h"

namespace kmr::synth {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kUserTop = 1ull << 47;
constexpr uint64_t kZeroPfn = 0x2d1a;
constexpr uint32_t kAnonRw = KMR_VM_READ | KMR_VM_WRITE;

constexpr uint32_t kAnonPage = KMR_PTE_PRESENT | KMR_PTE_WRITE | KMR_PTE_DIRTY | KMR_PTE_YOUNG |
                               KMR_PTE_ANON | KMR_PTE_EXCLUSIVE;
constexpr uint32_t kZeroPage = KMR_PTE_PRESENT | KMR_PTE_YOUNG | KMR_PTE_ZERO | KMR_PTE_SPECIAL;

bool present(uint64_t e) { return KMR_PTE_FLAGS(e) & KMR_PTE_PRESENT; }

}  // namespace

uint64_t Emitter::emit(Event ev) {
  if (drop_left_) {
    // A full ring: the record never gets a number; a LOST record takes the
    // place of the whole run.
    if (lost_.count == 0) lost_.first_ns = ev.time_ns;
    lost_.count++;
    lost_.kinds |= 1ull << static_cast<unsigned>(ev.kind);
    lost_.last_ns = ev.time_ns;
    if (--drop_left_ == 0) {
      LostData l = lost_;
      lost_ = {};
      emit(makeLost(0, ev.time_ns + 1, l));
    }
    return 0;
  }
  ev.seq = ++seq_;
  out_->push_back(ev);
  written_++;
  return ev.seq;
}

bool Emitter::emitWithLast(Event ev, uint64_t seq) {
  if (drop_left_ || seq == 0 || seq != seq_) return false;
  ev.seq = seq;
  out_->push_back(ev);
  written_++;
  return true;
}

std::span<const uint64_t> Emitter::entries(std::span<const uint64_t> e) {
  auto s = arena_.alloc(e.size());
  std::copy(e.begin(), e.end(), s.begin());
  return s;
}

std::string_view Emitter::text(std::string_view t) {
  texts_.emplace_back(t);
  return texts_.back();
}

std::span<const uint8_t> Emitter::bytes(std::span<const uint8_t> b) {
  datas_.emplace_back(b.begin(), b.end());
  return datas_.back();
}

Process::Process(const SynthOptions& o, Emitter& out, std::mt19937_64& rng, uint64_t start_ns)
    : o_(o), out_(out), rng_(rng), pfns_(rng), now_(start_ns),
      // The libraries and the stack move too (down, by up to 1 GiB), as
      // with ASLR, while staying at the top of the address space.
      slide_(0 - ((o.base - kDefaultBase) & 0x3ffff000)) {
  if (o.base % kPage || o.base < 0x10000 || o.base >= 0x700000000000)
    throw Error(Error::Code::Usage,
                "--base must be a page-aligned address below 0x700000000000, e.g. 0x560000000000");
}

void Process::think(uint64_t min_ns, uint64_t spread_ns) {
  now_ += min_ns + (spread_ns ? rng_() % spread_ns : 0);
}

uint64_t Process::serviceTime() {
  uint64_t r = rng_();
  uint64_t t = 350 + (r & 511);
  if ((r >> 20) % 32 == 0) t += (r >> 30) % 6000;  // an occasional slow one
  return t;
}

uint64_t Process::fileIno(const std::string& path) const {
  return 1000 + std::hash<std::string>{}(path) % 9000000;
}

uint64_t Process::stackStart() const {
  for (const auto& [s, v] : vmas_)
    if (v.flags & KMR_VMA_F_STACK) return s;
  return 0;
}

const Vma* Process::findVma(uint64_t addr) const {
  auto it = vmas_.upper_bound(addr);
  if (it == vmas_.begin()) return nullptr;
  --it;
  return addr < it->second.end ? &it->second : nullptr;
}

void Process::insertVma(Vma v) { vmas_[v.start] = std::move(v); }

void Process::removeVmas(uint64_t start, uint64_t end) {
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin() && std::prev(it)->second.end > start) --it;
  std::vector<Vma> keep;
  while (it != vmas_.end() && it->first < end) {
    Vma v = it->second;
    it = vmas_.erase(it);
    if (v.start < start) {
      Vma l = v;
      l.end = start;
      keep.push_back(l);
    }
    if (v.end > end) {
      Vma r = v;
      r.pgoff += (end - v.start) / kPage;
      r.start = end;
      keep.push_back(r);
    }
  }
  for (Vma& v : keep) insertVma(std::move(v));
}

void Process::window(uint64_t start, uint64_t end, uint32_t cause) {
  std::vector<const Vma*> sent;
  auto it = vmas_.upper_bound(start);
  if (it != vmas_.begin() && std::prev(it)->second.end > start) --it;
  for (; it != vmas_.end() && it->first < end; ++it) sent.push_back(&it->second);
  uint64_t sync = out_.emit(
      makeVmaSync(0, now_, cause, start, end, static_cast<uint32_t>(sent.size())));
  for (const Vma* v : sent) {
    think(15, 10);
    out_.emit(makeVma(0, now_, v->flags,
                      {sync, v->start, v->end, v->pgoff, v->ino, v->dev, v->vm_flags},
                      out_.text(v->name)));
  }
  think(40, 40);
}

void Process::pte(uint64_t vaddr, uint64_t entry, uint32_t cause) {
  pages_.set(vaddr / kPage, entry);
  fault_pte_seq_ = out_.emit(makePte(0, now_, cause, vaddr, 12, out_.entries({&entry, 1})));
  fault_pte_page_ = vaddr / kPage;
  fault_pte_ns_ = now_;
}

void Process::fault(uint64_t vaddr, uint32_t flags) {
  // The fault record is sent when the fault finishes, just after the PTE;
  // now and then it lands on another CPU whose clock reads a bit earlier.
  uint64_t t = now_ + 60 + rng_() % 90;
  if (rng_() % 64 == 0) t = now_ - 1 - rng_() % 25;
  uint64_t ip = ips_.empty() ? 0 : ips_[rng_() % 8 < 6 ? 0 : rng_() % ips_.size()];
  if (flags & KMR_FAULT_REMOTE) ip = 0;
  // Since ABI 3 the module sends the FAULT inside the PTE record the
  // fault set: one seq and one time for both.
  if (o_.fold_faults && fault_pte_page_ == vaddr / kPage &&
      out_.emitWithLast(makeFault(0, fault_pte_ns_, {vaddr, ip, flags, o_.pid}), fault_pte_seq_))
    return;
  out_.emit(makeFault(0, t, {vaddr, ip, flags, o_.pid}));
  now_ = std::max(now_, t);
}

void Process::cow(uint64_t vaddr, uint64_t old_pfn, uint64_t new_pfn, uint32_t cow_flags) {
  out_.emit(makeCow(0, now_, {vaddr & ~(kPage - 1), old_pfn, new_pfn, o_.pid, cow_flags}));
  think(30, 20);
  if (o_.page_data == PageData::None || (cow_flags & KMR_COW_REUSE)) return;
  std::vector<uint8_t> data;
  uint32_t flags = KMR_PAGE_DATA_COW;
  if (o_.page_data == PageData::Hash) {
    flags |= KMR_PAGE_DATA_HASH;
    uint64_t h = rng_();
    data.assign(reinterpret_cast<uint8_t*>(&h), reinterpret_cast<uint8_t*>(&h) + 8);
  } else {
    data.assign(kPage, 0);
    for (size_t i = 0; i < 64; i++) data[(rng_() % kPage)] = static_cast<uint8_t>(rng_());
  }
  out_.emit(makePageData(0, now_, flags, vaddr & ~(kPage - 1), new_pfn, out_.bytes(data)));
}

bool Process::touch(uint64_t vaddr, bool write) {
  const Vma* v = findVma(vaddr);
  if (!v) return false;
  uint64_t page = vaddr & ~(kPage - 1);
  uint64_t e = pages_.get(page / kPage);
  uint32_t fl = KMR_PTE_FLAGS(e);
  bool file = v->ino != 0;
  uint32_t user = KMR_FAULT_USER | (write ? KMR_FAULT_WRITE : 0);
  if (!present(e)) {
    if (write && !(v->vm_flags & KMR_VM_WRITE)) return false;  // would be SIGSEGV
    now_ += serviceTime();
    if (file && !write) {
      // Fault-around: the 16-page aligned block around the address, as far
      // as the VMA and the page cache reach.
      uint64_t b = std::max(page & ~(16 * kPage - 1), v->start);
      uint64_t end = std::min(b + 16 * kPage, v->end);
      std::vector<uint64_t> run;
      uint32_t f = KMR_PTE_PRESENT | KMR_PTE_YOUNG |
                   (v->vm_flags & KMR_VM_EXEC ? KMR_PTE_EXEC : 0);
      uint64_t base = pfns_.alloc();
      for (uint64_t a = b; a < end; a += kPage) {
        uint64_t x = pages_.get(a / kPage);
        if (!present(x)) x = KMR_PTE_MAKE(base - (a - b) / kPage, f);
        run.push_back(x);
        pages_.set(a / kPage, x);
      }
      out_.emit(makePte(0, now_, KMR_PTE_CAUSE_FAULTAROUND, b, 12, out_.entries(run)));
      fault(vaddr, user);
      return true;
    }
    if (file) {  // write to a private file page: copied at once
      uint64_t n = pfns_.alloc();
      cow(vaddr, pfns_.alloc(), n, KMR_COW_FILE);
      pte(page, KMR_PTE_MAKE(n, kAnonPage), KMR_PTE_CAUSE_COW);
    } else if (!write) {
      pte(page, KMR_PTE_MAKE(kZeroPfn, kZeroPage), KMR_PTE_CAUSE_FAULT);
    } else {
      pte(page, KMR_PTE_MAKE(pfns_.alloc(), kAnonPage), KMR_PTE_CAUSE_FAULT);
    }
    fault(vaddr, user);
    return true;
  }
  if (!write || (fl & KMR_PTE_WRITE) || !(v->vm_flags & KMR_VM_WRITE)) return false;
  now_ += serviceTime();
  uint64_t old = KMR_PTE_PFN(e);
  if (fl & KMR_PTE_ZERO) {
    uint64_t n = pfns_.alloc();
    cow(vaddr, old, n, KMR_COW_ZERO);
    pte(page, KMR_PTE_MAKE(n, kAnonPage), KMR_PTE_CAUSE_COW);
  } else if ((fl & KMR_PTE_EXCLUSIVE) || !child_alive_) {
    cow(vaddr, old, old, KMR_COW_REUSE);  // no copy: the page is ours alone
    pte(page, KMR_PTE_MAKE(old, kAnonPage), KMR_PTE_CAUSE_COW);
  } else {
    uint64_t n = pfns_.alloc();
    cow(vaddr, old, n, 0);
    pte(page, KMR_PTE_MAKE(n, kAnonPage), KMR_PTE_CAUSE_COW);
  }
  fault(vaddr, user | KMR_FAULT_PROT);
  return true;
}

void Process::emitRuns(uint64_t start, uint64_t end, uint32_t cause) {
  // What a page-table walk sends: one record per stretch of present
  // entries within one PTE table.
  std::vector<uint64_t> buf;
  uint64_t first = 0, next = 0;
  auto flush = [&] {
    if (buf.empty()) return;
    think(40, 40);
    out_.emit(makePte(0, now_, cause, first * kPage, 12, out_.entries(buf)));
    buf.clear();
  };
  pages_.forEachRun(start / kPage, end / kPage, [&](const PageRun& r) {
    for (uint64_t i = 0; i < r.pages; i++) {
      uint64_t vpn = r.vpn + i;
      if (buf.empty() || vpn != next || (vpn & 511) == 0) {
        flush();
        first = vpn;
      }
      buf.push_back(KMR_PTE_MAKE(r.pfn + i, r.flags));
      next = vpn + 1;
    }
  });
  flush();
}

void Process::unmapPages(uint64_t start, uint64_t end, uint32_t reason, bool free_frames) {
  out_.emit(makePteUnmap(0, now_, reason, start, end));
  if (free_frames) {
    pages_.forEachRun(start / kPage, end / kPage, [&](const PageRun& r) {
      if (!(r.flags & KMR_PTE_ANON) || (r.flags & KMR_PTE_ZERO)) return;
      if (child_alive_ && !(r.flags & KMR_PTE_EXCLUSIVE)) return;  // the child has it
      for (uint64_t i = 0; i < r.pages; i++) pfns_.free(r.pfn + i);
    });
  }
  pages_.clear(start / kPage, end / kPage);
  think(200, 300);
}

void Process::resync(uint64_t start, uint64_t end) { emitRuns(start, end, KMR_PTE_CAUSE_RESYNC); }

void Process::buildImage(const std::string& exe) {
  uint64_t b = o_.base;
  uint32_t r = KMR_VM_READ, rx = KMR_VM_READ | KMR_VM_EXEC;
  auto file = [&](uint64_t s, uint64_t e, uint64_t pgoff, const std::string& path, uint32_t f) {
    insertVma({s, e, pgoff, fileIno(path), 0x801, f, KMR_VMA_F_FILE, path});
  };
  auto anon = [&](uint64_t s, uint64_t e, uint32_t flags, const std::string& name) {
    insertVma({s, e, s / kPage, 0, 0, kAnonRw | (flags & KMR_VMA_F_STACK ? KMR_VM_GROWSDOWN : 0),
               flags, name});
  };
  file(b, b + 0x1000, 0, exe, r);
  file(b + 0x1000, b + 0x3000, 1, exe, rx);
  file(b + 0x3000, b + 0x4000, 3, exe, r);
  file(b + 0x4000, b + 0x5000, 4, exe, kAnonRw);
  heap_start_ = b + 0x100000;
  heap_end_ = heap_start_ + 0x21000;
  anon(heap_start_, heap_end_, KMR_VMA_F_ANON | KMR_VMA_F_HEAP, "[heap]");
  uint64_t m = 0x7f0000000000 + slide_;
  const std::string libc = "/usr/lib/x86_64-linux-gnu/libc.so.6";
  const std::string ld = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
  uint64_t l = m - 0x228000;
  file(l, l + 0x28000, 0, libc, r);
  file(l + 0x28000, l + 0x1bd000, 0x28, libc, rx);
  file(l + 0x1bd000, l + 0x215000, 0x1bd, libc, r);
  file(l + 0x215000, l + 0x219000, 0x214, libc, r);
  file(l + 0x219000, l + 0x21b000, 0x218, libc, kAnonRw);
  anon(l + 0x21b000, l + 0x228000, KMR_VMA_F_ANON, "");
  uint64_t d = m + 0x10000;
  file(d, d + 0x1000, 0, ld, r);
  file(d + 0x1000, d + 0x26000, 1, ld, rx);
  file(d + 0x26000, d + 0x30000, 0x26, ld, r);
  file(d + 0x31000, d + 0x35000, 0x30, ld, kAnonRw);
  uint64_t s = 0x7ffc00000000 + slide_;
  anon(s - 0x21000, s, KMR_VMA_F_ANON | KMR_VMA_F_STACK, "[stack]");
  insertVma({s + 0x100000, s + 0x104000, 0, 0, 0, r | KMR_VM_IO, KMR_VMA_F_SPECIAL, "[vvar]"});
  insertVma({s + 0x104000, s + 0x106000, 0, 0, 0, rx, KMR_VMA_F_SPECIAL, "[vdso]"});
  mmap_top_ = l - 0x100000;

  // Pages the program touched before recording started.
  auto map = [&](uint64_t a, uint64_t n, uint32_t f) {
    for (uint64_t i = 0; i < n; i++) pages_.set(a / kPage + i, KMR_PTE_MAKE(pfns_.alloc(), f));
  };
  uint32_t text = KMR_PTE_PRESENT | KMR_PTE_YOUNG | KMR_PTE_EXEC;
  uint32_t ro = KMR_PTE_PRESENT | KMR_PTE_YOUNG;
  map(b, 1, ro);
  map(b + 0x1000, 2, text);
  map(b + 0x3000, 1, ro);
  map(b + 0x4000, 1, kAnonPage);
  map(heap_start_, 3, kAnonPage);
  map(l, 8, ro);
  map(l + 0x28000, 40, text);
  map(l + 0x100000, 24, text);
  map(l + 0x1bd000, 6, ro);
  map(l + 0x215000, 4, ro);
  map(l + 0x219000, 2, kAnonPage);
  map(l + 0x21b000, 5, kAnonPage);
  map(d, 1, ro);
  map(d + 0x1000, 20, text);
  map(d + 0x31000, 3, kAnonPage);
  map(s - 0x3000, 3, kAnonPage);
  map(s + 0x104000, 2, text | KMR_PTE_SPECIAL);
  ips_ = {b + 0x1234, b + 0x1560, l + 0x28000 + 0x9d3c0, l + 0x28000 + 0x4f10,
          l + 0x28000 + 0x77a2, d + 0x1000 + 0x2d30};
}

void Process::snapshot(uint32_t cause) {
  SnapshotData d{0, kUserTop, o_.pid, 0, 0};
  out_.emit(makeSnapshot(0, now_, false, cause, d));
  think(500, 500);
  window(0, kUserTop, KMR_VMA_CAUSE_SNAPSHOT);
  emitRuns(0, kUserTop, KMR_PTE_CAUSE_SNAPSHOT);
  d.nr_vmas = static_cast<uint32_t>(vmas_.size());
  d.nr_ptes = pages_.presentPages();
  think(100, 100);
  out_.emit(makeSnapshot(0, now_, true, cause, d));
  think(2000, 2000);
}

void Process::exec(const std::string& exe) {
  out_.emit(makeExec(0, now_, out_.text(exe)));
  think(50000, 50000);
  pages_.forEachRun([&](const PageRun& r) {
    if ((r.flags & KMR_PTE_ANON) && !(r.flags & KMR_PTE_ZERO))
      for (uint64_t i = 0; i < r.pages; i++) pfns_.free(r.pfn + i);
  });
  pages_.clearAll();
  vmas_.clear();
  child_alive_ = false;
  buildImage(exe);
  snapshot(KMR_SNAP_EXEC);
}

void Process::exit(int32_t code) {
  think(5000, 5000);
  out_.emit(makePteUnmap(0, now_, KMR_UNMAP_RELEASE, 0, kUserTop));
  pages_.clearAll();
  vmas_.clear();
  think(3000, 3000);
  out_.emit(makeExit(0, now_, code));
}

void Process::madviseDontneed(uint64_t start, uint64_t end) {
  unmapPages(start, end, KMR_UNMAP_CLEAR, true);
}

void Process::fork() {
  out_.emit(makeFork(0, now_, o_.pid + 1 + next_child_++));
  think(20000, 10000);
  // copy_page_range write-protects the parent's private writable pages.
  for (const auto& [s, v] : vmas_) {
    if (!(v.vm_flags & KMR_VM_WRITE) || (v.vm_flags & KMR_VM_SHARED)) continue;
    std::vector<PageRun> runs = pages_.runs(v.start / kPage, v.end / kPage);
    if (runs.empty()) continue;
    out_.emit(makePteUnmap(0, now_, KMR_UNMAP_PROTECT_PAGE, v.start, v.end));
    for (const PageRun& r : runs) {
      if (!(r.flags & KMR_PTE_ANON)) continue;
      uint32_t f = r.flags & ~(KMR_PTE_WRITE | KMR_PTE_EXCLUSIVE);
      for (uint64_t i = 0; i < r.pages; i++) pages_.set(r.vpn + i, KMR_PTE_MAKE(r.pfn + i, f));
    }
    resync(v.start, v.end);
  }
  child_alive_ = true;
}

void Process::memWrite(uint64_t vaddr, uint64_t len) {
  const Vma* v = findVma(vaddr);
  if (!v) return;
  uint64_t e = pages_.get(vaddr / kPage);
  if (!present(e) || !(KMR_PTE_FLAGS(e) & KMR_PTE_WRITE)) {
    // get_user_pages_remote faults the page in for writing first.
    uint64_t page = vaddr & ~(kPage - 1);
    now_ += serviceTime();
    uint64_t n = pfns_.alloc();
    uint64_t old = present(e) ? KMR_PTE_PFN(e) : (v->ino ? pfns_.alloc() : kZeroPfn);
    bool copy = v->ino || (present(e) && !(KMR_PTE_FLAGS(e) & KMR_PTE_EXCLUSIVE)) ||
                (KMR_PTE_FLAGS(e) & KMR_PTE_ZERO);
    if (copy)
      cow(vaddr, old, n, v->ino ? KMR_COW_FILE : (KMR_PTE_FLAGS(e) & KMR_PTE_ZERO ? KMR_COW_ZERO : 0));
    pte(page, KMR_PTE_MAKE(n, kAnonPage), copy ? KMR_PTE_CAUSE_COW : KMR_PTE_CAUSE_REMOTE);
    fault(vaddr, KMR_FAULT_WRITE | KMR_FAULT_REMOTE);
  }
  out_.emit(makeMemWrite(0, now_, {vaddr, len, o_.pid + 1000, KMR_MEM_GUP}));
  think(1000, 1000);
}

}  // namespace kmr::synth
