// kmemrec: record a process's memory events into a .kmr trace.
#include <cstdio>
#include <exception>
#include <string>

#include "device.h"
#include "options.h"
#include "record.h"

int main(int argc, char** argv) {
  using namespace kmr::rec;
  try {
    std::string text;
    std::optional<Options> o = parseOptions(argc, argv, &text);
    if (!o) {
      std::fputs(text.c_str(), stdout);
      return kExitOk;
    }
    return runRecord(*o);
  } catch (const UsageError& e) {
    std::fprintf(stderr, "kmemrec: error: %s\nRun 'kmemrec --help' for usage.\n", e.what());
    return kExitUsage;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmemrec: error: %s\n", e.what());
    return kExitError;
  }
}
