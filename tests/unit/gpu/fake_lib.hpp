// A private copy of the fake NVML library (tests/fake_nvml) serving a fixture, for the gpu tests.
#pragma once

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "support/test_support.hpp"

// A named namespace, not an anonymous one: every test file that includes this shares one copy
// counter, so no two FakeLibs get the same path (glibc would hand back the first, still loaded).
namespace sonde::test {

namespace fs = std::filesystem;
using nlohmann::json;

inline const fs::path kGpuFixtures = sonde::test::fixture_root() / "gpu";

inline json base_fixture() {
  std::ifstream in(kGpuFixtures / "fake_nvml.json");
  return json::parse(in);
}

// A private copy of the fake library serving `fixture`.
struct FakeLib {
  fs::path dir;
  std::string lib;
  FakeLib(const json& fixture, bool old = false) {
    static std::atomic<int> seq{0};
    dir = fs::temp_directory_path() /
          ("sonde-fake-nvml-" + std::to_string(::getpid()) + "-" + std::to_string(seq++));
    fs::create_directories(dir);
    std::ofstream(dir / "fixture.json") << fixture.dump();
    lib = (dir / "libnvidia-ml.so.1").string();
    fs::copy_file(old ? FAKE_NVML_OLD : FAKE_NVML, lib, fs::copy_options::overwrite_existing);
    ::setenv("SONDE_FAKE_NVML_FIXTURE", (dir / "fixture.json").c_str(), 1);
  }
  ~FakeLib() {
    std::error_code ec;
    fs::remove_all(dir, ec);  // the mapping stays valid after unlink
  }
};

}  // namespace sonde::test
