// Names and short strings for abi.h values (record causes, flags, kinds),
// as kmemreplay and kmemrec --live print them.
#pragma once

#include <cstdint>
#include <string>

namespace kmr {

std::string snapshotCauseName(uint32_t cause);  // "start", "exec", "resync"
std::string vmaCauseName(uint32_t cause);       // "mmap", "brk", ...
std::string pteCauseName(uint32_t cause);       // "fault", "faultaround", ...
std::string unmapReasonName(uint32_t reason);   // "munmap", "clear", ...
std::string memModeName(uint32_t mode);         // "walk", "gup", "prw"
// "write,user,major" from KMR_FAULT_*; "-" when none.
std::string faultFlagsText(uint32_t flags);
// "zero,reuse" from KMR_COW_*; "copy" when none.
std::string cowFlagsText(uint32_t flags);
// "pte,fault" from a LOST kinds mask; "all" when 0.
std::string kindsMaskText(uint64_t kinds);
// Eight columns: w write, d dirty, y young, x exec, then a anon / f file /
// z zero page / s special, e exclusive, h huge, k ksm; '-' when clear.
std::string pteFlagsText(uint32_t flags);
// "SIGSEGV" for a SIGNAL record's signo; "signal 77" for one without a name.
std::string signalText(uint32_t signo);
// An EXIT record's code (a wait() status) for a table: "0", "3" (exited
// with that status), "SIGKILL", "SIGSEGV+core" (killed by the signal).
std::string waitStatusText(int32_t status);
// The same in words: "exited with status 3", "killed by SIGSEGV (core
// dumped)"; -1 (not known) "exit status unknown".
std::string describeWaitStatus(int32_t status);
// A SIGNAL record's si_code by name ("SEGV_ACCERR", "SI_USER"), or the
// number when it has none.
std::string signalCodeText(uint32_t signo, int32_t code);
// One line explaining pteFlagsText.
const char* pteFlagsLegend();

}  // namespace kmr
