// Ring records to events: every kind's fields, malformed layouts refused.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "translate.h"

// GCC 12 follows translateRecord()'s inline PTE case into these tests'
// short records of other kinds, past the size check that keeps it out,
// and warns about reads that cannot happen.
#pragma GCC diagnostic ignored "-Warray-bounds"
#pragma GCC diagnostic ignored "-Wstringop-overread"

using namespace kmr;
using namespace kmr::recorder;

namespace {

// A record of @size bytes (header filled), as 8-byte words.
struct Rec {
  std::vector<uint64_t> words;
  Rec(uint16_t kind, size_t size, uint64_t seq = 7, uint32_t flags = 0)
      : words((size + 7) / 8) {
    auto* h = hdr();
    h->kind = kind;
    h->size = static_cast<uint16_t>(words.size() * 8);
    h->flags = flags;
    h->seq = seq;
    h->time_ns = 1000 + seq;
  }
  kmr_event* hdr() { return reinterpret_cast<kmr_event*>(words.data()); }
  template <typename T>
  T* as() {
    return reinterpret_cast<T*>(words.data());
  }
};

Event translateOk(Rec& r) {
  Event ev[kMaxEventsPerRecord];
  const char* why = nullptr;
  REQUIRE(translateRecord(*r.hdr(), ev, &why) == 1);
  CHECK(ev[0].seq == r.hdr()->seq);
  CHECK(ev[0].time_ns == r.hdr()->time_ns);
  CHECK(ev[0].flags == r.hdr()->flags);
  return ev[0];
}

}  // namespace

TEST_CASE("VMA records keep every field and the name") {
  Rec r(KMR_EV_VMA, sizeof(kmr_ev_vma) + 16, 9, KMR_VMA_F_FILE);
  auto* v = r.as<kmr_ev_vma>();
  v->sync_seq = 8;
  v->start = 0x400000;
  v->end = 0x401000;
  v->pgoff = 3;
  v->ino = 77;
  v->dev = 0xfe01;
  v->vm_flags = KMR_VM_READ | KMR_VM_EXEC;
  v->name_len = 9;
  std::memcpy(v->name, "/bin/prog", 9);
  Event ev = translateOk(r);
  CHECK(ev.kind == EventKind::Vma);
  CHECK(ev.vma.sync_seq == 8);
  CHECK(ev.vma.start == 0x400000);
  CHECK(ev.vma.end == 0x401000);
  CHECK(ev.vma.pgoff == 3);
  CHECK(ev.vma.ino == 77);
  CHECK(ev.vma.dev == 0xfe01);
  CHECK(ev.vma.vm_flags == (KMR_VM_READ | KMR_VM_EXEC));
  CHECK(ev.text == "/bin/prog");
}

TEST_CASE("PTE runs are views of the record's entries") {
  Rec r(KMR_EV_PTE, sizeof(kmr_ev_pte) + 3 * 8, 5, KMR_PTE_CAUSE_FAULTAROUND);
  auto* p = r.as<kmr_ev_pte>();
  p->vaddr = 0x7f0000000000;
  p->nr = 3;
  p->shift = 12;
  for (int i = 0; i < 3; i++) p->entry[i] = KMR_PTE_MAKE(0x100 + i, KMR_PTE_PRESENT);
  Event ev = translateOk(r);
  CHECK(ev.kind == EventKind::Pte);
  CHECK(ev.pte.vaddr == 0x7f0000000000);
  CHECK(ev.pte.shift == 12);
  REQUIRE(ev.entries.size() == 3);
  CHECK(KMR_PTE_PFN(ev.entries[2]) == 0x102);
  CHECK(static_cast<const void*>(ev.entries.data()) == static_cast<const void*>(p->entry));
}

TEST_CASE("the small kinds") {
  SECTION("cow") {
    Rec r(KMR_EV_COW, sizeof(kmr_ev_cow));
    auto* c = r.as<kmr_ev_cow>();
    c->vaddr = 0x1000;
    c->old_pfn = 1;
    c->new_pfn = 2;
    c->tid = 44;
    c->cow_flags = KMR_COW_ZERO;
    Event ev = translateOk(r);
    CHECK(ev.kind == EventKind::Cow);
    CHECK(ev.cow.old_pfn == 1);
    CHECK(ev.cow.new_pfn == 2);
    CHECK(ev.cow.tid == 44);
    CHECK(ev.cow.cow_flags == KMR_COW_ZERO);
  }
  SECTION("fault") {
    Rec r(KMR_EV_FAULT, sizeof(kmr_ev_fault));
    auto* f = r.as<kmr_ev_fault>();
    f->vaddr = 0x2000;
    f->ip = 0x401234;
    f->fault_flags = KMR_FAULT_WRITE | KMR_FAULT_USER;
    f->tid = 45;
    Event ev = translateOk(r);
    CHECK(ev.fault.ip == 0x401234);
    CHECK(ev.fault.fault_flags == (KMR_FAULT_WRITE | KMR_FAULT_USER));
  }
  SECTION("exit keeps its flags") {
    Rec r(KMR_EV_EXIT, sizeof(kmr_ev_exit), 3, KMR_EXIT_F_EXEC_DENIED);
    r.as<kmr_ev_exit>()->exit_code = 256;
    Event ev = translateOk(r);
    CHECK(ev.kind == EventKind::Exit);
    CHECK(ev.exit.code == 256);
  }
  SECTION("lost") {
    Rec r(KMR_EV_LOST, sizeof(kmr_ev_lost));
    auto* l = r.as<kmr_ev_lost>();
    l->count = 10;
    l->kinds = 1u << KMR_EV_PTE;
    l->first_ns = 5;
    l->last_ns = 6;
    Event ev = translateOk(r);
    CHECK(ev.lost.count == 10);
    CHECK(ev.lost.kinds == (1u << KMR_EV_PTE));
  }
  SECTION("exec") {
    Rec r(KMR_EV_EXEC, sizeof(kmr_ev_exec) + 8);
    auto* e = r.as<kmr_ev_exec>();
    e->filename_len = 7;
    std::memcpy(e->filename, "/bin/ls", 7);
    CHECK(translateOk(r).text == "/bin/ls");
  }
}

TEST_CASE("a PTE record that carries its fault is the PTE event, then the FAULT") {
  Rec r(KMR_EV_PTE, sizeof(kmr_ev_pte) + 8 + sizeof(kmr_fault_info), 11,
        KMR_PTE_CAUSE_COW | KMR_PTE_F_FAULT);
  auto* p = r.as<kmr_ev_pte>();
  p->vaddr = 0x7f0000001000;
  p->nr = 1;
  p->shift = 12;
  p->entry[0] = KMR_PTE_MAKE(0x321, KMR_PTE_PRESENT | KMR_PTE_WRITE);
  kmr_fault_info f{0x7f0000001234, 0x401000, KMR_FAULT_WRITE | KMR_FAULT_USER | KMR_FAULT_PROT,
                   77};
  std::memcpy(&p->entry[1], &f, sizeof(f));
  Event ev[kMaxEventsPerRecord];
  const char* why = nullptr;
  REQUIRE(translateRecord(*r.hdr(), ev, &why) == 2);
  CHECK(ev[0].kind == EventKind::Pte);
  CHECK(ev[0].flags == KMR_PTE_CAUSE_COW);  // the cause alone, as before
  CHECK(ev[0].pte.vaddr == 0x7f0000001000);
  REQUIRE(ev[0].entries.size() == 1);
  CHECK(ev[0].entries[0] == KMR_PTE_MAKE(0x321, KMR_PTE_PRESENT | KMR_PTE_WRITE));
  CHECK(ev[1].kind == EventKind::Fault);
  CHECK(ev[1].flags == 0);
  CHECK(ev[1].seq == 11);
  CHECK(ev[0].seq == 11);
  CHECK(ev[1].time_ns == r.hdr()->time_ns);
  CHECK(ev[1].fault.vaddr == 0x7f0000001234);
  CHECK(ev[1].fault.ip == 0x401000);
  CHECK(ev[1].fault.fault_flags == (KMR_FAULT_WRITE | KMR_FAULT_USER | KMR_FAULT_PROT));
  CHECK(ev[1].fault.tid == 77);

  // The same two events as the two records the module sent before.
  Rec pte(KMR_EV_PTE, sizeof(kmr_ev_pte) + 8, 11, KMR_PTE_CAUSE_COW);
  *pte.as<kmr_ev_pte>() = *p;
  pte.hdr()->size = static_cast<uint16_t>(pte.words.size() * 8);
  pte.hdr()->flags = KMR_PTE_CAUSE_COW;
  pte.as<kmr_ev_pte>()->entry[0] = p->entry[0];
  Rec fault(KMR_EV_FAULT, sizeof(kmr_ev_fault), 11);
  auto* fr = fault.as<kmr_ev_fault>();
  fr->vaddr = f.vaddr;
  fr->ip = f.ip;
  fr->fault_flags = f.fault_flags;
  fr->tid = f.tid;
  CHECK(translateOk(pte) == ev[0]);
  CHECK(translateOk(fault) == ev[1]);
}

TEST_CASE("records that lie about their payload are refused") {
  Event ev[kMaxEventsPerRecord];
  const char* why = nullptr;
  SECTION("PTE run longer than the record") {
    Rec r(KMR_EV_PTE, sizeof(kmr_ev_pte) + 8);
    r.as<kmr_ev_pte>()->nr = 2;
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  SECTION("PTE record too short for the fault it says it carries") {
    Rec r(KMR_EV_PTE, sizeof(kmr_ev_pte) + 8 + 16, 2, KMR_PTE_F_FAULT);
    r.as<kmr_ev_pte>()->nr = 1;
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  SECTION("PTE record with unknown flags") {
    Rec r(KMR_EV_PTE, sizeof(kmr_ev_pte) + 8, 2, 1u << 20);
    r.as<kmr_ev_pte>()->nr = 1;
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  SECTION("VMA name longer than the record") {
    Rec r(KMR_EV_VMA, sizeof(kmr_ev_vma) + 8);
    r.as<kmr_ev_vma>()->name_len = 9;
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  SECTION("record shorter than its kind") {
    Rec r(KMR_EV_COW, sizeof(kmr_ev_cow) - 8);
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  SECTION("unknown kind") {
    Rec r(KMR_EV_NR_KINDS, 32);
    CHECK_FALSE(translateRecord(*r.hdr(), ev, &why));
  }
  CHECK(why != nullptr);
}

TEST_CASE("a batch is walked record by record; a bad one is reported and skipped") {
  Rec a(KMR_EV_FORK, sizeof(kmr_ev_fork), 1);
  a.as<kmr_ev_fork>()->child_pid = 99;
  Rec bad(KMR_EV_PTE, sizeof(kmr_ev_pte), 2);
  bad.as<kmr_ev_pte>()->nr = 100;
  Rec c(KMR_EV_FORK, sizeof(kmr_ev_fork), 3);
  std::vector<uint8_t> batch;
  for (Rec* r : {&a, &bad, &c}) {
    auto* p = reinterpret_cast<const uint8_t*>(r->words.data());
    batch.insert(batch.end(), p, p + r->words.size() * 8);
  }
  std::vector<uint64_t> seqs, bad_seqs;
  size_t n = forEachEvent(
      batch.data(), batch.size(), [&](const Event& ev) { seqs.push_back(ev.seq); },
      [&](const kmr_event& rec, const char*) { bad_seqs.push_back(rec.seq); });
  CHECK(n == 2);
  CHECK(seqs == std::vector<uint64_t>{1, 3});
  CHECK(bad_seqs == std::vector<uint64_t>{2});
}

TEST_CASE("a batch is handed over in runs of events, in record order") {
  // 200 records, the 100th malformed: runs of at most kEventRun events,
  // the one before the bad record cut short, the order kept.
  std::vector<uint8_t> batch;
  for (uint64_t seq = 1; seq <= 200; seq++) {
    Rec r(KMR_EV_FORK, sizeof(kmr_ev_fork), seq);
    if (seq == 100) r.hdr()->kind = KMR_EV_NR_KINDS;
    auto* p = reinterpret_cast<const uint8_t*>(r.words.data());
    batch.insert(batch.end(), p, p + r.words.size() * 8);
  }
  std::vector<uint64_t> order;  // event seqs, 0 for the bad record
  size_t runs = 0;
  size_t n = forEachEventRun(
      batch.data(), batch.size(),
      [&](std::span<const Event> evs) {
        CHECK(evs.size() <= kEventRun);
        runs++;
        for (const Event& ev : evs) order.push_back(ev.seq);
      },
      [&](const kmr_event&, const char*) { order.push_back(0); });
  CHECK(n == 199);
  REQUIRE(order.size() == 200);
  for (uint64_t i = 0; i < 200; i++) CHECK(order[i] == (i == 99 ? 0 : i + 1));
  CHECK(runs < 10);
}

#include "record_encode.h"
#include "synth/synth.h"

TEST_CASE("every synthetic event survives record encoding and translation") {
  for (auto pattern : {synth::Pattern::Seq, synth::Pattern::Random, synth::Pattern::Fork,
                       synth::Pattern::Churn}) {
    synth::SynthOptions so;
    so.events = 20000;
    so.pattern = pattern;
    so.exec = true;
    so.lost = true;
    so.page_data = synth::PageData::Bytes;
    synth::Synth s(so);
    std::vector<Event> evs;
    std::vector<uint64_t> buf(65536 / 8);
    size_t n = 0, bad = 0;
    std::vector<size_t> kinds(kEventKindSlots);
    while (s.next(evs, 4096)) {
      for (const Event& ev : evs) {
        size_t size = encodeRecord(ev, buf.data(), buf.size() * 8);
        REQUIRE(size);
        Event back[kMaxEventsPerRecord];
        const char* why = nullptr;
        REQUIRE(translateRecord(*reinterpret_cast<const kmr_event*>(buf.data()), back, &why) == 1);
        if (!(back[0] == ev)) bad++;
        kinds[static_cast<size_t>(ev.kind)]++;
        n++;
      }
    }
    CAPTURE(synth::patternName(pattern));
    CHECK(n > 10000);
    CHECK(bad == 0);
    for (unsigned k : {KMR_EV_VMA, KMR_EV_PTE, KMR_EV_SNAPSHOT_BEGIN}) CHECK(kinds[k] > 0);
  }
}
