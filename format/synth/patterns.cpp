#include "synth/patterns.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace kmr::synth {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint32_t kRw = KMR_VM_READ | KMR_VM_WRITE;

// Touch a region page by page (memset of fresh memory), then unmap it and
// map the next.
class SeqPattern : public PatternRunner {
 public:
  explicit SeqPattern(uint64_t events)
      : kBytes(std::clamp<uint64_t>(events / 10, 64, 8192) * kPage) {}
  void setup(Process& p) override {
    start_ = p.findFree(kBytes);
    p.mmapAnon(start_, kBytes, kRw);
    cursor_ = 0;
  }
  void step(Process& p) override {
    if (cursor_ == kBytes / kPage) {
      p.munmap(start_, start_ + kBytes);
      setup(p);
      return;
    }
    p.think(120, 160);  // writing the previous page
    p.touch(start_ + cursor_++ * kPage, true);
  }

 private:
  const uint64_t kBytes;  // 32 MiB for long traces
  uint64_t start_ = 0, cursor_ = 0;
};

// Random reads and writes over a large mapping.  Reads of untouched pages
// map the zero page, writes to those copy it; when free pages get rare, a
// 2 MiB block is given back with MADV_DONTNEED.
class RandomPattern : public PatternRunner {
 public:
  void setup(Process& p) override {
    start_ = p.findFree(kBytes);
    p.mmapAnon(start_, kBytes, kRw);
  }
  void step(Process& p) override {
    auto& rng = p.rng();
    for (int tries = 0; tries < 8; tries++) {
      uint64_t page = rng() % (kBytes / kPage);
      uint64_t off = (rng() % 512) * 8;
      bool write = rng() % 10 < 7;
      p.think(80, 400);
      if (p.touch(start_ + page * kPage + off, write)) return;
    }
    uint64_t block = rng() % (kBytes >> 21);
    p.madviseDontneed(start_ + (block << 21), start_ + ((block + 1) << 21));
  }

 private:
  static constexpr uint64_t kBytes = 256ull << 20;
  uint64_t start_ = 0;
};

// Fill a heap, then fork again and again: write-protect, CoW copies while
// the child lives, page reuse after it exits.
class ForkPattern : public PatternRunner {
 public:
  explicit ForkPattern(uint64_t events)
      : kBytes(std::clamp<uint64_t>(events / 6, 64, 16384) * kPage) {}
  void setup(Process& p) override {
    start_ = p.findFree(kBytes);
    p.mmapAnon(start_, kBytes, kRw);
    phase_ = Phase::Fill;
    n_ = 0;
  }
  void step(Process& p) override {
    auto& rng = p.rng();
    switch (phase_) {
      case Phase::Fill:
        p.think(120, 160);
        p.touch(start_ + n_++ * kPage, true);
        if (n_ == kBytes / kPage) phase_ = Phase::Fork;
        return;
      case Phase::Fork:
        p.fork();
        phase_ = Phase::Copy;
        n_ = 0;
        return;
      case Phase::Copy:
      case Phase::Reuse:
        for (int tries = 0; tries < 8; tries++) {
          p.think(200, 800);
          if (p.touch(start_ + (rng() % (kBytes / kPage)) * kPage + (rng() % 512) * 8, true)) break;
        }
        uint64_t pages = kBytes / kPage;
        if (++n_ == (phase_ == Phase::Copy ? pages * 3 / 8 : pages / 8)) {
          if (phase_ == Phase::Copy) p.childExited();
          phase_ = phase_ == Phase::Copy ? Phase::Reuse : Phase::Fork;
          n_ = 0;
        }
        return;
    }
  }

 private:
  enum class Phase { Fill, Fork, Copy, Reuse };
  const uint64_t kBytes;  // 64 MiB for long traces
  uint64_t start_ = 0, n_ = 0;
  Phase phase_ = Phase::Fill;
};

// A long-running program's address-space churn.
class ChurnPattern : public PatternRunner {
 public:
  void setup(Process&) override { maps_.clear(); }
  void step(Process& p) override {
    auto& rng = p.rng();
    unsigned r = rng() % 100;
    if (maps_.size() > 48) {
      unmap(p, 0);
    } else if (maps_.size() < 6 || r < 20) {
      uint64_t bytes = (1 + rng() % 256) * kPage;
      uint64_t a = p.findFree(bytes);
      p.mmapAnon(a, bytes, kRw);
      maps_.push_back({a, a + bytes, false, false});
      for (unsigned i = 8 + rng() % 56; i > 0; i--) touchIn(p, maps_.back(), rng() % 10 < 7);
    } else if (r < 28) {
      static const std::array<const char*, 4> files = {
          "/usr/lib/x86_64-linux-gnu/libm.so.6", "/usr/share/locale/locale-archive",
          "/var/lib/app/data.bin", "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"};
      uint64_t bytes = (4 + rng() % 60) * kPage;
      uint64_t a = p.findFree(bytes);
      p.mmapFile(a, bytes, rng() % 64, files[rng() % files.size()], KMR_VM_READ);
      maps_.push_back({a, a + bytes, true, false});
      for (unsigned i = 2 + rng() % 8; i > 0; i--) touchIn(p, maps_.back(), false);
    } else if (r < 38) {
      unmap(p, rng() % maps_.size());
    } else if (r < 42) {
      Mapping* m = pickAnon(p);
      if (!m) return;
      uint64_t pages = (m->end - m->start) / kPage;
      uint64_t s = m->start + (rng() % pages) * kPage;
      uint64_t e = std::min(m->end, s + (1 + rng() % 16) * kPage);
      bool ro = rng() % 2;
      p.mprotect(s, e, ro ? KMR_VM_READ : kRw);
      m->protected_ = true;
    } else if (r < 45) {
      Mapping* m = pickAnon(p);
      if (!m || m->protected_) return;
      uint64_t to = p.findFree(m->end - m->start);
      p.mremapMove(m->start, m->end, to);
      m->end = to + (m->end - m->start);
      m->start = to;
    } else if (r < 52) {
      uint64_t end = p.heapEnd();
      uint64_t size = end - p.heapStart();
      if (size > (32u << 20)) {
        p.brk(end - size / 2);  // free() gave a lot back
      } else if (rng() % 3 == 0 && size > 0x40000) {
        p.brk(end - (1 + rng() % 16) * kPage);
      } else {
        uint64_t grow = (1 + rng() % 32) * kPage;
        p.brk(end + grow);
        for (uint64_t a = end; a < end + grow; a += kPage)
          if (rng() % 2) p.touch(a, true);
      }
    } else if (r < 54) {
      uint64_t pages = 1 + rng() % 4;
      p.growStack(pages);
      uint64_t s = p.stackStart();
      for (uint64_t i = 0; i < pages; i++) p.touch(s + i * kPage, true);
    } else if (r < 57) {
      Mapping* m = pickAnon(p);
      if (m) p.memWrite(m->start + (rng() % ((m->end - m->start) / kPage)) * kPage + 64, 8);
    } else {
      Mapping& m = maps_[rng() % maps_.size()];
      for (unsigned i = 4 + rng() % 28; i > 0; i--) touchIn(p, m, !m.file && rng() % 2);
    }
    p.think(2000, 20000);
  }

 private:
  struct Mapping {
    uint64_t start, end;
    bool file;
    bool protected_;
  };

  void touchIn(Process& p, const Mapping& m, bool write) {
    auto& rng = p.rng();
    p.think(100, 300);
    p.touch(m.start + (rng() % ((m.end - m.start) / kPage)) * kPage + (rng() % 512) * 8, write);
  }
  void unmap(Process& p, size_t i) {
    Mapping m = maps_[i];
    maps_.erase(maps_.begin() + static_cast<long>(i));
    if (p.rng()() % 4 == 0 && m.end - m.start > kPage) {
      // Unmap the tail only: the head stays as a smaller VMA.
      uint64_t cut = m.start + kPage * (1 + p.rng()() % ((m.end - m.start) / kPage - 1));
      p.munmap(cut, m.end);
      maps_.push_back({m.start, cut, m.file, m.protected_});
    } else {
      p.munmap(m.start, m.end);
    }
  }
  Mapping* pickAnon(Process& p) {
    for (int i = 0; i < 4; i++) {
      Mapping& m = maps_[p.rng()() % maps_.size()];
      if (!m.file) return &m;
    }
    return nullptr;
  }

  std::vector<Mapping> maps_;
};

}  // namespace

std::unique_ptr<PatternRunner> makePattern(Pattern pattern, uint64_t events) {
  switch (pattern) {
    case Pattern::Seq:
      return std::make_unique<SeqPattern>(events);
    case Pattern::Random:
      return std::make_unique<RandomPattern>();
    case Pattern::Fork:
      return std::make_unique<ForkPattern>(events);
    case Pattern::Churn:
      return std::make_unique<ChurnPattern>();
  }
  return nullptr;
}

}  // namespace kmr::synth
