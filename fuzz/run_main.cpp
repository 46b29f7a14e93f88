// The fuzz targets without libFuzzer (the normal build, any compiler): runs
// LLVMFuzzerTestOneInput once on every file named, or on every file in a
// directory named, as `fuzz_X -runs=0 DIR...` does in a fuzzing build.
// Options (-flag=value) are accepted and ignored, so ctest gives both kinds
// of build the same command line.  Fails when it found no input at all.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace fs = std::filesystem;

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a.starts_with("-")) continue;
    std::error_code ec;
    if (fs::is_directory(a, ec)) {
      std::vector<fs::path> dir;
      for (const auto& e : fs::directory_iterator(a))
        if (e.is_regular_file()) dir.push_back(e.path());
      std::sort(dir.begin(), dir.end());
      inputs.insert(inputs.end(), dir.begin(), dir.end());
    } else if (fs::is_regular_file(a, ec)) {
      inputs.emplace_back(a);
    } else {
      std::fprintf(stderr, "%s: no such file or directory: %s\n", argv[0], a.c_str());
      return 1;
    }
  }
  if (inputs.empty()) {
    std::fprintf(stderr, "%s: no inputs\n", argv[0]);
    return 1;
  }
  for (const fs::path& p : inputs) {
    std::ifstream f(p, std::ios::binary);
    std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    std::fprintf(stderr, "Running: %s\n", p.c_str());
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
  }
  std::fprintf(stderr, "%s: %zu inputs ran\n", argv[0], inputs.size());
  return 0;
}
