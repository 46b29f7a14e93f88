// kmemrec: record a process's memory events into a .kmr trace.
#include <cstdio>
#include <exception>
#include <string>

#include "base/device.h"
#include "base/exit_codes.h"
#include "options.h"
#include "record.h"

int main(int argc, char** argv) {
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
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmemrec: error: %s\n", e.what());
    return kmr::kExitError;
  }
}
