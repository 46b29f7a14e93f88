#include "base/abi_names.h"

#include <kmemrec/abi.h>

#include <array>
#include <csignal>
#include <cstdio>
#include <cstring>

#include "base/numbers.h"

namespace kmr {
namespace {

std::string pick(uint32_t v, std::initializer_list<const char*> names) {
  if (v < names.size()) return names.begin()[v];
  return std::to_string(v);
}

std::string bits(uint64_t v, std::initializer_list<std::pair<uint64_t, const char*>> names,
                 const char* none) {
  std::string s;
  for (auto [bit, name] : names) {
    if (!(v & bit)) continue;
    if (!s.empty()) s += ',';
    s += name;
    v &= ~bit;
  }
  if (v) {
    if (!s.empty()) s += ',';
    s += "0x" + hex(v);
  }
  return s.empty() ? none : s;
}

}  // namespace

std::string snapshotCauseName(uint32_t c) { return pick(c, {"start", "exec", "resync"}); }

std::string vmaCauseName(uint32_t c) {
  return pick(c, {"unknown", "snapshot", "mmap", "munmap", "mprotect", "mremap", "brk", "stack",
                  "madvise", "mlock", "exec", "other"});
}

std::string pteCauseName(uint32_t c) {
  return pick(c, {"fault", "faultaround", "cow", "swapin", "snapshot", "resync", "migration",
                  "ksm", "mremap", "collapse", "remote", "other"});
}

std::string unmapReasonName(uint32_t r) {
  return pick(r, {"munmap", "clear", "protect-vma", "protect-page", "soft-dirty", "release",
                  "migrate", "exclusive", "other"});
}

std::string memModeName(uint32_t m) { return pick(m, {"?", "walk", "gup", "prw"}); }

std::string faultFlagsText(uint32_t f) {
  return bits(f,
              {{KMR_FAULT_WRITE, "write"},
               {KMR_FAULT_EXEC, "exec"},
               {KMR_FAULT_USER, "user"},
               {KMR_FAULT_MAJOR, "major"},
               {KMR_FAULT_REMOTE, "remote"},
               {KMR_FAULT_ERROR, "error"},
               {KMR_FAULT_PROT, "prot"}},
              "-");
}

std::string cowFlagsText(uint32_t f) {
  return bits(f,
              {{KMR_COW_ZERO, "zero"},
               {KMR_COW_FILE, "file"},
               {KMR_COW_KSM, "ksm"},
               {KMR_COW_REUSE, "reuse"}},
              "copy");
}

std::string signalText(uint32_t signo) {
  // sigabbrev_np: glibc's own table ("SEGV"), NULL for an unknown number
  const char* n = signo < 128 ? sigabbrev_np(static_cast<int>(signo)) : nullptr;
  return n ? std::string("SIG") + n : "signal " + std::to_string(signo);
}

std::string kindsMaskText(uint64_t k) {
  static const std::array<const char*, KMR_EV_NR_KINDS> names = {
      "pad",   "snapshot-begin", "snapshot-end", "vma-sync", "vma",  "pte",       "pte-unmap",
      "cow",   "fault",          "fork",         "exec",     "exit", "lost",      "mem-write",
      "page-data", "signal"};
  if (k == 0) return "all";
  std::string s;
  for (unsigned i = 0; i < names.size(); i++) {
    if (!(k & (1ull << i))) continue;
    if (!s.empty()) s += ',';
    s += names[i];
  }
  if (k >> names.size()) s += (s.empty() ? "" : ",") + std::string("0x") + hex(k >> names.size());
  return s;
}

std::string pteFlagsText(uint32_t f) {
  std::string s = "--------";
  if (f & KMR_PTE_WRITE) s[0] = 'w';
  if (f & KMR_PTE_DIRTY) s[1] = 'd';
  if (f & KMR_PTE_YOUNG) s[2] = 'y';
  if (f & KMR_PTE_EXEC) s[3] = 'x';
  s[4] = (f & KMR_PTE_ZERO) ? 'z' : (f & KMR_PTE_SPECIAL) ? 's' : (f & KMR_PTE_ANON) ? 'a' : 'f';
  if (f & KMR_PTE_EXCLUSIVE) s[5] = 'e';
  if (f & KMR_PTE_HUGE) s[6] = 'h';
  if (f & KMR_PTE_KSM) s[7] = 'k';
  return s;
}

const char* pteFlagsLegend() {
  return "flags: w write, d dirty, y young, x exec; a anon, f file, z zero page, s special; "
         "e exclusive, h huge, k ksm";
}

}  // namespace kmr
