// Names of abi.h values as the views print them: signals and their si_code.
#include "base/abi_names.h"

#include <csignal>

#include <catch2/catch.hpp>

using namespace kmr;

TEST_CASE("signals and si_codes by name") {
  CHECK(signalText(SIGSEGV) == "SIGSEGV");
  CHECK(signalText(SIGABRT) == "SIGABRT");
  CHECK(signalText(200) == "signal 200");
  CHECK(signalCodeText(SIGSEGV, 1) == "SEGV_MAPERR");
  CHECK(signalCodeText(SIGSEGV, 2) == "SEGV_ACCERR");
  CHECK(signalCodeText(SIGBUS, 2) == "BUS_ADRERR");
  CHECK(signalCodeText(SIGFPE, 1) == "FPE_INTDIV");
  CHECK(signalCodeText(SIGSEGV, 0) == "SI_USER");
  CHECK(signalCodeText(SIGABRT, -6) == "SI_TKILL");
  CHECK(signalCodeText(SIGSEGV, 0x80) == "SI_KERNEL");
  CHECK(signalCodeText(SIGSEGV, 99) == "99");       // unknown: the number
  CHECK(signalCodeText(SIGABRT, 3) == "3");         // no per-signal names
  CHECK(signalCodeText(SIGSEGV, -100) == "-100");
}

TEST_CASE("waitStatusText: an exit status or the signal that killed it") {
  CHECK(kmr::waitStatusText(0) == "0");
  CHECK(kmr::waitStatusText(3 << 8) == "3");
  CHECK(kmr::waitStatusText(9) == "SIGKILL");
  CHECK(kmr::waitStatusText(11 | 0x80) == "SIGSEGV+core");
}
