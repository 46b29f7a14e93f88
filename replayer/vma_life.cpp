#include "vma_life.h"

#include <algorithm>

namespace kmr::replayer {
namespace {

constexpr uint64_t kPage = 4096;

uint64_t presentIn(const ShadowState& s, uint64_t start, uint64_t end) {
  uint64_t n = 0;
  s.pages().forEachRun(start / kPage, (end + kPage - 1) / kPage,
                       [&](const PageRun& r) { n += r.pages; });
  return n;
}

// The byte range of the pages a PTE / PTE_UNMAP record changes.
bool pageRange(const Event& ev, uint64_t& s, uint64_t& e) {
  if (ev.kind == EventKind::Pte) {
    if (ev.pte.shift > 30) return false;
    s = ev.pte.vaddr;
    e = s + (static_cast<uint64_t>(ev.entries.size()) << ev.pte.shift);
    return e > s;
  }
  if (ev.kind == EventKind::PteUnmap) {
    s = ev.pte_unmap.start;
    e = ev.pte_unmap.end;
    return e > s;
  }
  return false;
}

}  // namespace

uint32_t NameTable::intern(std::string_view s) {
  auto it = ids_.find(std::string(s));
  if (it != ids_.end()) return it->second;
  uint32_t id = static_cast<uint32_t>(names_.size());
  names_.emplace_back(s);
  ids_.emplace(names_.back(), id);
  return id;
}

const std::string& NameTable::str(uint32_t id) const {
  static const std::string none;
  return id < names_.size() ? names_[id] : none;
}

std::string_view lifeKindName(LifeKind k) {
  switch (k) {
    case LifeKind::File: return "file";
    case LifeKind::Heap: return "heap";
    case LifeKind::Stack: return "stack";
    case LifeKind::Special: return "special";
    case LifeKind::NamedAnon: return "named-anon";
    case LifeKind::Anon: return "anon";
  }
  return "?";
}

std::string_view lifeOriginName(LifeOrigin o) {
  switch (o) {
    case LifeOrigin::Start: return "start";
    case LifeOrigin::Window: return "window";
    case LifeOrigin::Mapped: return "mapped";
    case LifeOrigin::Exec: return "exec";
    case LifeOrigin::Resync: return "resync";
    case LifeOrigin::Appeared: return "appeared";
  }
  return "?";
}

std::string_view lifeEndName(LifeEnd e) {
  switch (e) {
    case LifeEnd::Alive: return "alive";
    case LifeEnd::Unmapped: return "unmapped";
    case LifeEnd::Exec: return "exec";
    case LifeEnd::Exit: return "exit";
    case LifeEnd::Vanished: return "vanished";
  }
  return "?";
}

std::string lifePerm(const VmaLife& l) { return permString(l.vm_flags); }

LifeTracker::LifeTracker(uint64_t trace_start_ns, LifeListener* listener, Options o)
    : start_ns_(trace_start_ns), listener_(listener), opt_(o), now_(trace_start_ns) {}

void LifeTracker::begin(const ShadowState& state, uint64_t t) {
  now_ = std::max(now_, t);
  presence_.load(state.rangeFirstVpn(), state.rangeEndVpn(), state.pages());
  totals_.peak_present = presence_.count();
  LifeOrigin origin = state.applied() == 0 ? LifeOrigin::Start : LifeOrigin::Window;
  if (!state.vmas().empty()) {
    reconcile(state, origin);
    first_snapshot_done_ = true;
  }
}

// ---- segments -------------------------------------------------------------

void LifeTracker::carve(uint64_t s, uint64_t e, std::vector<Piece>* pieces) {
  if (s >= e) return;
  cache_life_ = VmaLife::kNone;
  auto it = segs_.upper_bound(s);
  if (it != segs_.begin() && std::prev(it)->second.end > s) --it;
  while (it != segs_.end() && it->first < e) {
    uint64_t a = it->first;
    Seg seg = it->second;
    it = segs_.erase(it);
    VmaLife& l = lives_[seg.life];
    l.segments--;
    if (a < s) {
      segs_.emplace(a, Seg{s, seg.life});
      l.segments++;
    }
    if (seg.end > e) {
      it = segs_.emplace(e, Seg{seg.end, seg.life}).first;
      l.segments++;
      ++it;
    }
    if (pieces) pieces->push_back({seg.life, std::max(a, s), std::min(seg.end, e)});
  }
}

void LifeTracker::assign(uint64_t s, uint64_t e, uint32_t life) {
  if (s >= e) return;
  carve(s, e, nullptr);
  VmaLife& l = lives_[life];
  // Merge with neighbours of the same life (a heap grown by brk ten
  // thousand times is still one range).
  auto next = segs_.lower_bound(e);
  if (next != segs_.end() && next->first == e && next->second.life == life) {
    e = next->second.end;
    segs_.erase(next);
    l.segments--;
  }
  auto prev = segs_.lower_bound(s);
  if (prev != segs_.begin()) {
    --prev;
    if (prev->second.end == s && prev->second.life == life) {
      s = prev->first;
      segs_.erase(prev);
      l.segments--;
    }
  }
  segs_.emplace(s, Seg{e, life});
  l.segments++;
  cache_life_ = VmaLife::kNone;
  // The extent now: the span of its segments near this one.
  if (l.segments == 1) {
    l.last_start = s;
    l.last_end = e;
  } else {
    l.last_start = std::min(l.last_start, s);
    l.last_end = std::max(l.last_end, e);
  }
  l.max_pages = std::max(l.max_pages, (l.last_end - l.last_start) / kPage);
}

const VmaLife* LifeTracker::lifeAt(uint64_t addr) const {
  if (addr >= cache_start_ && addr < cache_end_ && cache_life_ != VmaLife::kNone)
    return &lives_[cache_life_];
  auto it = segs_.upper_bound(addr);
  if (it == segs_.begin()) return nullptr;
  --it;
  if (addr >= it->second.end) return nullptr;
  cache_start_ = it->first;
  cache_end_ = it->second.end;
  cache_life_ = it->second.life;
  return &lives_[it->second.life];
}

// The name id of the file-backed life ending exactly at addr when an
// anonymous mapping there is that file's bss: mapped with it (the same
// snapshot, or within a millisecond, as ld.so does), not a later mmap that
// happened to land next to it.
uint32_t LifeTracker::fileBefore(uint64_t addr, LifeOrigin origin) const {
  if (addr == 0) return NameTable::kNone;
  const VmaLife* l = lifeAt(addr - 1);
  if (!l || l->kind != LifeKind::File) return NameTable::kNone;
  auto it = segs_.upper_bound(addr - 1);
  --it;
  if (it->second.end != addr) return NameTable::kNone;
  bool together = origin == LifeOrigin::Mapped || origin == LifeOrigin::Appeared
                      ? l->origin == LifeOrigin::Mapped && now_ - l->created_ns <= 1000000
                      : l->origin == origin;
  return together ? l->name : NameTable::kNone;
}

// ---- creation and end -----------------------------------------------------

void LifeTracker::fillIdentity(VmaLife& l, uint64_t start, uint64_t end, uint32_t vm_flags,
                               uint32_t vma_flags, uint64_t ino, uint32_t dev, uint64_t pgoff,
                               std::string_view name) {
  l.start = l.last_start = start;
  l.end = l.last_end = end;
  l.max_pages = (end - start) / kPage;
  l.vm_flags = l.vm_flags_last = vm_flags;
  l.vma_flags = vma_flags;
  l.ino = ino;
  l.dev = dev;
  l.pgoff = pgoff;
  l.name = names_.intern(name);
  if ((vma_flags & KMR_VMA_F_FILE) || ino != 0) l.kind = LifeKind::File;
  else if (vma_flags & KMR_VMA_F_HEAP) l.kind = LifeKind::Heap;
  else if (vma_flags & KMR_VMA_F_STACK) l.kind = LifeKind::Stack;
  else if (vma_flags & KMR_VMA_F_SPECIAL) l.kind = LifeKind::Special;
  else if (name != "[anon]" && !name.empty()) l.kind = LifeKind::NamedAnon;
  else l.kind = LifeKind::Anon;
  if (l.kind == LifeKind::Anon) l.after = fileBefore(start, l.origin);
}

static VmaLife freshLife(uint32_t id) {
  VmaLife l;
  l.id = id;
  return l;
}

VmaLife& LifeTracker::create(const Vma& v, LifeOrigin origin) {
  uint32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
    lives_[id] = freshLife(id);
  } else {
    id = static_cast<uint32_t>(lives_.size());
    lives_.push_back(freshLife(id));
  }
  VmaLife& l = lives_[id];
  l.origin = origin;
  l.image = totals_.execs;
  l.created_ns = origin == LifeOrigin::Start ? std::min(start_ns_, now_) : now_;
  fillIdentity(l, v.start, v.end, v.vm_flags, v.flags, v.ino, v.dev, v.pgoff, displayName(v));
  assign(v.start, v.end, id);
  return lives_[id];
}

VmaLife& LifeTracker::createFromOp(const VmaOp& op) {
  Vma v;
  v.start = op.start;
  v.end = op.end;
  v.vm_flags = op.vm_flags;
  v.flags = op.vma_flags;
  v.ino = op.ino;
  v.dev = op.dev;
  v.pgoff = op.pgoff;
  v.name = op.name == "[anon]" ? "" : op.name;
  return create(v, LifeOrigin::Mapped);
}

void LifeTracker::endLife(VmaLife& l, LifeEnd how) {
  if (!l.alive()) return;
  l.end_how = how;
  l.ended_ns = now_;
  if (how == LifeEnd::Exit || how == LifeEnd::Exec) l.final_resident = l.released ? l.released_resident : l.resident;
  else l.final_resident = 0;
  if (listener_) listener_->lifeEnded(l);
  if (!opt_.retain_ended) free_.push_back(l.id);
}

void LifeTracker::endAll(LifeEnd how) {
  segs_.clear();
  cache_life_ = VmaLife::kNone;
  for (VmaLife& l : lives_)
    if (l.alive()) {
      l.segments = 0;
      endLife(l, how);
    }
}

// Address ranges taken from lives by an operation: their pages leave the
// lives' resident counts (pages already unmapped count 0); lives left with
// nothing end.
void LifeTracker::settle(std::vector<Piece>& pieces, const ShadowState& state, LifeEnd how,
                         const VmaOp* op) {
  for (const Piece& p : pieces) {
    VmaLife& l = lives_[p.life];
    if (!l.alive()) continue;
    uint64_t gone = presentIn(state, p.start, p.end);
    setResident(l, l.resident > gone ? l.resident - gone : 0);
  }
  for (const Piece& p : pieces) {
    VmaLife& l = lives_[p.life];
    if (!l.alive()) continue;
    if (l.segments == 0) {
      setResident(l, 0);
      endLife(l, how);
    } else if (op && listener_) {
      listener_->lifeChanged(l, *op);
    }
  }
  pieces.clear();
}

// A range joined a life: its present pages count now.
void LifeTracker::gain(VmaLife& l, uint64_t start, uint64_t end, const ShadowState& state) {
  if (uint64_t n = presentIn(state, start, end)) setResident(l, l.resident + n);
}

// ---- resident pages -------------------------------------------------------

void LifeTracker::setResident(VmaLife& l, uint64_t pages) {
  if (pages == l.resident) return;
  l.resident = pages;
  l.peak_resident = std::max(l.peak_resident, pages);
  if (listener_) listener_->residentChanged(l);
}

void LifeTracker::recount(VmaLife& l, const ShadowState& state) {
  if (!l.alive()) return;
  // Its segments lie within [last_start, last_end) (moves reset that span).
  uint64_t n = 0, lo = UINT64_MAX, hi = 0;
  auto it = segs_.lower_bound(l.last_start);
  for (; it != segs_.end() && it->first < l.last_end; ++it) {
    if (it->second.life != l.id) continue;
    n += presentIn(state, it->first, it->second.end);
    lo = std::min(lo, it->first);
    hi = std::max(hi, it->second.end);
  }
  if (hi > lo) {
    l.last_start = lo;
    l.last_end = hi;
  }
  setResident(l, n);
}

void LifeTracker::creditPages(const Event& ev, int64_t delta, const ShadowState& state) {
  uint64_t s, e;
  if (!pageRange(ev, s, e)) return;
  auto it = segs_.upper_bound(s);
  if (it != segs_.begin() && std::prev(it)->second.end > s) --it;
  if (it == segs_.end() || it->first >= e) return;  // outside every life
  if (it->first <= s && it->second.end >= e) {
    if (delta == 0) return;
    VmaLife& l = lives_[it->second.life];
    int64_t r = static_cast<int64_t>(l.resident) + delta;
    setResident(l, r < 0 ? 0 : static_cast<uint64_t>(r));
    if (ev.kind == EventKind::Pte && delta > 0 &&
        (ev.flags == KMR_PTE_CAUSE_FAULT || ev.flags == KMR_PTE_CAUSE_SWAPIN)) {
      l.counts.first_touch += static_cast<uint64_t>(delta);
      totals_.counts.first_touch += static_cast<uint64_t>(delta);
    }
    return;
  }
  // Several lives (or one partly outside): recount each from the table.
  std::vector<uint32_t>& ids = scratch_;
  ids.clear();
  for (; it != segs_.end() && it->first < e; ++it) ids.push_back(it->second.life);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  for (uint32_t id : ids) recount(lives_[id], state);
}

// The mm is being torn down (exit, exec): what each life held just before
// is its final value.
void LifeTracker::release(uint64_t s, uint64_t e) {
  auto it = segs_.upper_bound(s);
  if (it != segs_.begin() && std::prev(it)->second.end > s) --it;
  for (; it != segs_.end() && it->first < e; ++it) {
    VmaLife& l = lives_[it->second.life];
    if (l.released) continue;
    l.released = true;
    l.released_resident = l.resident;
  }
}

// ---- accesses -------------------------------------------------------------

VmaLife* LifeTracker::lifeFor(uint64_t addr, const ShadowState& state) {
  if (const VmaLife* l = lifeAt(addr)) return &lives_[l->id];
  // No life here but the VMA set has one (a snapshot in progress, a window
  // whose operations are held): adopt it now.
  const Vma* v = state.vmas().find(addr);
  if (!v) return nullptr;
  LifeOrigin origin = LifeOrigin::Appeared;
  if (in_snapshot_) {
    origin = snapshot_cause_ == KMR_SNAP_EXEC     ? LifeOrigin::Exec
             : snapshot_cause_ == KMR_SNAP_RESYNC ? LifeOrigin::Resync
             : first_snapshot_done_               ? LifeOrigin::Resync
                                                  : LifeOrigin::Start;
  }
  VmaLife& l = create(*v, origin);
  if (listener_) listener_->lifeBegan(l);
  recount(l, state);
  return &lives_[l.id];
}

void LifeTracker::countAccess(VmaLife* l, const Event& ev) {
  totals_.counts.count(ev);
  if (l) {
    l->counts.count(ev);
    if (!l->first_touch_ns) l->first_touch_ns = now_;
    l->last_touch_ns = now_;
  }
  if (listener_) listener_->access(l, ev);
}

// ---- operations and snapshots ---------------------------------------------

void LifeTracker::applyOps(const std::vector<VmaOp>& ops, const ShadowState& state) {
  std::vector<Piece>& pieces = pieces_;
  for (const VmaOp& op : ops) {
    switch (op.kind) {
      case VmaOpKind::Unmap:
        carve(op.start, op.end, &pieces);
        settle(pieces, state, LifeEnd::Unmapped, &op);
        break;
      case VmaOpKind::Map: {
        carve(op.start, op.end, &pieces);
        settle(pieces, state, LifeEnd::Unmapped, nullptr);
        VmaLife& l = createFromOp(op);
        if (listener_) listener_->lifeBegan(l);
        gain(l, op.start, op.end, state);
        break;
      }
      case VmaOpKind::Protect: {
        const VmaLife* c = lifeAt(op.start);
        if (!c) break;
        VmaLife& l = lives_[c->id];
        l.protects++;
        l.vm_flags_last = op.vm_flags;
        if (listener_) listener_->lifeChanged(l, op);
        break;
      }
      case VmaOpKind::Move:
      case VmaOpKind::Grow: {
        const VmaLife* c = lifeAt(op.old_start);
        if (!c && op.old_end > op.old_start) c = lifeAt(op.old_end - 1);
        if (!c) {  // the source was not known: a new life
          carve(op.start, op.end, &pieces);
          settle(pieces, state, LifeEnd::Unmapped, nullptr);
          VmaLife& l = createFromOp(op);
          if (listener_) listener_->lifeBegan(l);
          gain(l, op.start, op.end, state);
          break;
        }
        uint32_t id = c->id;
        if (op.kind == VmaOpKind::Move) carve(op.old_start, op.old_end, &pieces);
        carve(op.start, op.end, &pieces);  // whatever was at the destination
        // The moving life keeps living through the operation.
        lives_[id].segments++;
        settle(pieces, state, LifeEnd::Unmapped, nullptr);
        lives_[id].segments--;
        assign(op.start, op.end, id);  // alone again after a move: its span restarts here
        VmaLife& l = lives_[id];
        if (op.kind == VmaOpKind::Move) l.moves++;
        else l.grows++;
        gain(l, op.start, op.end, state);
        if (listener_) listener_->lifeChanged(l, op);
        break;
      }
    }
  }
}

// Make the lives agree with the shadow VMA set after a snapshot: a VMA
// covered by one alive life of the same identity keeps it; any other VMA
// starts a life; address ranges of lives outside every VMA are dropped.
void LifeTracker::reconcile(const ShadowState& state, LifeOrigin origin) {
  std::vector<Piece>& touched = pieces_;
  std::vector<std::pair<uint64_t, uint64_t>> cover;
  for (const auto& [start, v] : state.vmas()) {
    cover.emplace_back(v.start, v.end);
    bool kept = false;
    auto it = segs_.upper_bound(v.start);
    if (it != segs_.begin()) {
      --it;
      uint64_t at = v.start;
      uint32_t life = it->second.life;
      const VmaLife& l = lives_[life];
      bool same = l.ino == v.ino && l.dev == v.dev &&
                  ((l.ino != 0) || l.name == names_.intern(displayName(v)));
      while (same && it != segs_.end() && it->first <= at && it->second.life == life) {
        at = it->second.end;
        ++it;
        if (at >= v.end) break;
      }
      kept = same && at >= v.end;
    }
    if (kept) {
      lives_[std::prev(segs_.upper_bound(v.start))->second.life].vm_flags_last = v.vm_flags;
      continue;
    }
    carve(v.start, v.end, &touched);
    VmaLife& l = create(v, origin);
    if (listener_) listener_->lifeBegan(l);
  }
  // Drop what no VMA covers.
  std::vector<std::pair<uint64_t, uint64_t>> holes;
  uint64_t at = 0;
  for (auto [s, e] : cover) {
    if (s > at) holes.emplace_back(at, s);
    at = std::max(at, e);
  }
  holes.emplace_back(at, UINT64_MAX);
  for (auto [s, e] : holes) carve(s, e, &touched);
  settle(touched, state, LifeEnd::Vanished, nullptr);
  for (VmaLife& l : lives_)
    if (l.alive()) recount(l, state);
}

// ---- the event loop -------------------------------------------------------

void LifeTracker::onEvent(const Event& ev, uint64_t, const ShadowState& state,
                          const std::vector<VmaOp>& ops) {
  if (ev.kind != EventKind::Gap) {
    totals_.events++;
    now_ = std::max(now_, ev.time_ns);
  } else {
    totals_.events += ev.gap.events;
    now_ = std::max(now_, ev.gap.last_ns);
  }
  if (!ops.empty()) applyOps(ops, state);

  int64_t delta = presence_.apply(ev);
  totals_.peak_present = std::max(totals_.peak_present, presence_.count());

  switch (ev.kind) {
    case EventKind::Fault:
      countAccess(lifeFor(ev.fault.vaddr, state), ev);
      return;
    case EventKind::Cow:
      countAccess(lifeFor(ev.cow.vaddr, state), ev);
      return;
    case EventKind::MemWrite:
      countAccess(lifeFor(ev.mem_write.vaddr, state), ev);
      return;
    case EventKind::Pte:
      if (!in_snapshot_) creditPages(ev, delta, state);
      if (listener_) listener_->pagesChanged(ev, delta, state);
      return;
    case EventKind::PteUnmap:
      if (ev.flags == KMR_UNMAP_RELEASE) release(ev.pte_unmap.start, ev.pte_unmap.end);
      if (!in_snapshot_) creditPages(ev, delta, state);
      if (listener_) listener_->pagesChanged(ev, delta, state);
      return;
    case EventKind::SnapshotBegin:
      in_snapshot_ = true;
      snapshot_cause_ = ev.flags;
      if (listener_) {
        listener_->processEvent(ev);
        if (delta) listener_->pagesChanged(ev, delta, state);
      }
      return;
    case EventKind::SnapshotEnd: {
      in_snapshot_ = false;
      LifeOrigin origin = ev.flags == KMR_SNAP_EXEC     ? LifeOrigin::Exec
                          : ev.flags == KMR_SNAP_RESYNC ? LifeOrigin::Resync
                          : first_snapshot_done_        ? LifeOrigin::Resync
                                                        : LifeOrigin::Start;
      reconcile(state, origin);
      first_snapshot_done_ = true;
      if (listener_) listener_->processEvent(ev);
      return;
    }
    case EventKind::Exec:
      totals_.execs++;
      release(0, UINT64_MAX);
      endAll(LifeEnd::Exec);
      if (listener_) {
        listener_->processEvent(ev);
        if (delta) listener_->pagesChanged(ev, delta, state);
      }
      return;
    case EventKind::Exit:
      release(0, UINT64_MAX);
      endAll(LifeEnd::Exit);
      if (listener_) {
        listener_->processEvent(ev);
        if (delta) listener_->pagesChanged(ev, delta, state);
      }
      return;
    case EventKind::Fork:
      totals_.forks++;
      if (listener_) listener_->processEvent(ev);
      return;
    case EventKind::Lost:
      totals_.lost_records += ev.lost.count;
      if (listener_) listener_->processEvent(ev);
      return;
    case EventKind::Gap:
      totals_.gaps++;
      if (listener_) listener_->processEvent(ev);
      return;
    default:
      return;
  }
}

void LifeTracker::onEnd(const ShadowState& state, const std::vector<VmaOp>& ops) {
  if (!ops.empty()) applyOps(ops, state);
  finish(state);
}

void LifeTracker::finish(const ShadowState&) {
  for (VmaLife& l : lives_)
    if (l.alive()) l.final_resident = l.released ? l.released_resident : l.resident;
}

}  // namespace kmr::replayer
