// Replays a libFuzzer corpus without libFuzzer: every file under the given directories (or the
// given files) goes once through LLVMFuzzerTestOneInput. Used by ctest in non-fuzz builds so that
// each corpus, and every crash once turned into a seed, stays a regression test.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);

namespace {

void run_file(const std::filesystem::path& p) {
  std::ifstream in(p, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  LLVMFuzzerTestOneInput(reinterpret_cast<const std::uint8_t*>(bytes.data()), bytes.size());
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t n = 0;
  for (int i = 1; i < argc; ++i) {
    const std::filesystem::path arg(argv[i]);
    if (std::filesystem::is_directory(arg)) {
      std::vector<std::filesystem::path> files;
      for (const auto& e : std::filesystem::recursive_directory_iterator(arg)) {
        if (e.is_regular_file()) files.push_back(e.path());
      }
      for (const auto& f : files) run_file(f), ++n;
    } else {
      run_file(arg);
      ++n;
    }
  }
  std::printf("replayed %zu inputs\n", n);
  // An empty corpus is a mistake in the test set-up, not a pass.
  return n > 0 ? 0 : 1;
}
