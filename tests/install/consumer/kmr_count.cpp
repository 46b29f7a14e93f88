// An outside program on the installed trace library: prints how many events
// a .kmr file holds, read one by one (install.consumer).
#include <kmr/reader.h>

#include <cstdio>
#include <exception>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: kmr_count TRACE\n");
    return 2;
  }
  try {
    kmr::TraceReader reader(argv[1]);
    kmr::EventStream events(reader);
    kmr::Event ev;
    unsigned long long n = 0;
    while (events.next(ev)) n++;
    std::printf("%llu\n", n);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "kmr_count: %s\n", e.what());
    return 1;
  }
}
