// kmemrec: record a process's memory events into a .kmr trace.
#include <cstdio>
#include <exception>
#include <string>

#include "base/device.h"
#include "base/exit_codes.h"
#include "doctor.h"
#include "options.h"
#include "record.h"

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "doctor") return kmr::recorder::runDoctor(argc, argv);
  try {
    std::string text;
    std::optional<kmr::recorder::Options> o = kmr::recorder::parseOptions(argc, argv, &text);
    if (!o) {
      std::fputs(text.c_str(), stdout);
      return kmr::kExitOk;
    }
    return kmr::recorder::runRecord(*o);
  } catch (const kmr::UsageError& e) {
    std::fprintf(stderr, "kmemrec: error: %s\nRun 'kmemrec --help' for usage.\n", e.what());
    return kmr::kExitUsage;
  } catch (const kmr::DeviceError& e) {
    // Module, device, ABI, permission: doctor checks all of them at once.
    std::fprintf(stderr, "kmemrec: error: %s\n%s", e.what(), kmr::doctorHint(e));
    return kmr::kExitError;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmemrec: error: %s\n", e.what());
    return kmr::kExitError;
  }
}
