#include "base/abi_names.h"

#include <kmemrec/abi.h>

#include <array>
#include <sys/wait.h>

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

std::string waitStatusText(int32_t status) {
  if (WIFEXITED(status)) return std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return signalText(static_cast<uint32_t>(WTERMSIG(status))) +
           (WCOREDUMP(status) ? "+core" : "");
  char b[32];
  std::snprintf(b, sizeof b, "0x%x", static_cast<unsigned>(status));
  return b;
}

std::string describeWaitStatus(int32_t status) {
  if (status == -1) return "exit status unknown";
  if (WIFEXITED(status)) return "exited with status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status))
    return "killed by " + signalText(static_cast<uint32_t>(WTERMSIG(status))) +
           (WCOREDUMP(status) ? " (core dumped)" : "");
  char b[48];
  std::snprintf(b, sizeof b, "ended (status 0x%x)", static_cast<unsigned>(status));
  return b;
}

std::string signalCodeText(uint32_t signo, int32_t code) {
  // <signal.h>'s values: the generic ones (<= 0, SI_KERNEL), then per signal
  static const char* const generic[] = {"SI_USER", "SI_QUEUE", "SI_TIMER", "SI_MESGQ",
                                        "SI_ASYNCIO", "SI_SIGIO", "SI_TKILL"};
  static const char* const segv[] = {"SEGV_MAPERR", "SEGV_ACCERR", "SEGV_BNDERR", "SEGV_PKUERR"};
  static const char* const bus[] = {"BUS_ADRALN", "BUS_ADRERR", "BUS_OBJERR", "BUS_MCEERR_AR",
                                    "BUS_MCEERR_AO"};
  static const char* const ill[] = {"ILL_ILLOPC", "ILL_ILLOPN", "ILL_ILLADR", "ILL_ILLTRP",
                                    "ILL_PRVOPC", "ILL_PRVREG", "ILL_COPROC", "ILL_BADSTK"};
  static const char* const fpe[] = {"FPE_INTDIV", "FPE_INTOVF", "FPE_FLTDIV", "FPE_FLTOVF",
                                    "FPE_FLTUND", "FPE_FLTRES", "FPE_FLTINV", "FPE_FLTSUB"};
  static const char* const trap[] = {"TRAP_BRKPT", "TRAP_TRACE", "TRAP_BRANCH", "TRAP_HWBKPT"};
  auto pick = [&](const char* const* names, size_t n) -> std::string {
    return code >= 1 && static_cast<size_t>(code) <= n ? names[code - 1] : std::to_string(code);
  };
  if (code <= 0 && code >= -6) return generic[-code];
  if (code == 0x80) return "SI_KERNEL";
  switch (signo) {
    case SIGSEGV: return pick(segv, std::size(segv));
    case SIGBUS: return pick(bus, std::size(bus));
    case SIGILL: return pick(ill, std::size(ill));
    case SIGFPE: return pick(fpe, std::size(fpe));
    case SIGTRAP: return pick(trap, std::size(trap));
    default: return std::to_string(code);
  }
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
