#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "support/test_support.hpp"

using namespace sonde;

TEST_CASE("the gpu section reads every option", "[config][gpu]") {
  const auto r = config::load_file(test::fixture_root() / "config/good/gpu_options.yaml");
  REQUIRE(r.ok());
  const gpu::GpuOptions& g = r.config.gpu;
  CHECK_FALSE(g.enabled);
  CHECK(g.interval == std::chrono::seconds(10));
  CHECK(g.nvml_library == "/usr/lib/x86_64-linux-gnu/libnvidia-ml.so.535.104.05");
  CHECK(g.hostname_label == "Hostname");
  CHECK(g.max_processes == 0);
  CHECK(g.call_timeout == std::chrono::milliseconds(500));
  CHECK(g.fields == "^DCGM_FI_DEV_(GPU_UTIL|FB_USED)$");
}

TEST_CASE("gpu defaults", "[config][gpu]") {
  const auto r = config::load_string("gpu:\n", "sonde.yaml");
  REQUIRE(r.ok());
  const gpu::GpuOptions& g = r.config.gpu;
  CHECK(g.enabled);
  CHECK(g.interval == std::chrono::seconds(5));
  CHECK(g.nvml_library == "libnvidia-ml.so.1");
  CHECK(g.hostname_label == "hostname");
  CHECK(g.max_processes == 256);
  CHECK(g.call_timeout == std::chrono::seconds(2));
  CHECK(g.fields == ".*");
}
