// kmemrec doctor: one screen that says what stands between this machine and
// a recording, each problem with its fix.  Exit 0 only when recording would
// work.  The facts come from doctor_facts.h; judge() is pure, so each
// verdict is unit-tested (doctor_test.cpp) and the whole is run for real in
// the guest (tests/guest/cases/install_doctor.sh).
#pragma once

#include <string>
#include <vector>

#include "doctor_facts.h"

namespace kmr::recorder {

enum class Verdict { Ok, Warn, Fail, Skipped };

struct Check {
  std::string name;    // "module", "device", ...
  Verdict verdict;
  std::string detail;  // what was found
  std::string fix;     // what to do ("" when nothing)
};

// The supported kernels (kernel/compat/ covers 6.1 to 6.12).
inline constexpr int kMinKernel = 601, kMaxKernel = 612;

std::vector<Check> judge(const SystemFacts& f);
// The screen: a title, one line per check (+ "fix:" lines), the verdict.
std::string renderChecks(const SystemFacts& f, const std::vector<Check>& checks);
bool ready(const std::vector<Check>& checks);

// `kmemrec doctor [--device PATH]`: argv[1] is "doctor".  Returns the exit
// status (0 ready, 1 not ready, 2 bad command line).
int runDoctor(int argc, const char* const* argv);

}  // namespace kmr::recorder
