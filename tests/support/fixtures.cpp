// The one test object that knows where the source tree is (declared in test_support.hpp).
#include <filesystem>

namespace sonde::test {

std::filesystem::path fixture_root() { return SONDE_FIXTURES_DIR; }

}  // namespace sonde::test
