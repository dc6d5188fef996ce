// load_nvml against the fake NVML libraries: the newest symbols, the old fallbacks, refusals.
#include "gpu/nvml_loader.hpp"

#include <catch2/catch.hpp>

#include "fake_lib.hpp"
#include "gpu/gpu_collector.hpp"

using sonde::gpu::GpuCollector;
using sonde::test::base_fixture;
using sonde::test::FakeLib;

TEST_CASE("loader resolves the newest symbols of the fake", "[gpu][loader]") {
  FakeLib f(base_fixture());
  auto api = sonde::gpu::load_nvml(f.lib);
  REQUIRE(api.ok());
  CHECK((*api)->resolved_init == "nvmlInit_v2");
  CHECK((*api)->resolved_count == "nvmlDeviceGetCount_v2");
  CHECK((*api)->resolved_handle == "nvmlDeviceGetHandleByIndex_v2");
  CHECK((*api)->resolved_compute == "nvmlDeviceGetComputeRunningProcesses_v3");
  CHECK((*api)->compute_processes_api == sonde::gpu::ProcessApi::v2);
  CHECK((*api)->memory_v2 != nullptr);
}

TEST_CASE("loader falls back to the old unversioned symbols", "[gpu][loader]") {
  FakeLib f(base_fixture(), /*old=*/true);
  auto api = sonde::gpu::load_nvml(f.lib);
  REQUIRE(api.ok());
  CHECK((*api)->resolved_init == "nvmlInit");
  CHECK((*api)->resolved_count == "nvmlDeviceGetCount");
  CHECK((*api)->resolved_handle == "nvmlDeviceGetHandleByIndex");
  CHECK((*api)->resolved_compute == "nvmlDeviceGetComputeRunningProcesses");
  CHECK((*api)->compute_processes_api == sonde::gpu::ProcessApi::v1);
  CHECK((*api)->memory_v2 == nullptr);
  CHECK((*api)->remapped_rows == nullptr);
}

TEST_CASE("a missing library or a library that is not NVML is an error, not a crash",
          "[gpu][loader]") {
  CHECK_FALSE(sonde::gpu::load_nvml("/nonexistent/libnvidia-ml.so.1").ok());
  CHECK_FALSE(sonde::gpu::load_nvml("libz.so.1").ok());  // loads, but exports no nvmlInit
  sonde::gpu::GpuOptions o;
  o.nvml_library = "/nonexistent/libnvidia-ml.so.1";
  auto c = GpuCollector::open(o, {}, "h");
  REQUIRE_FALSE(c.ok());
  CHECK(c.message().find("/nonexistent/libnvidia-ml.so.1") != std::string::npos);
}

TEST_CASE("load_nvml's errors name the library and what is missing", "[gpu][loader]") {
  const auto missing = sonde::gpu::load_nvml("/nonexistent/libnvidia-ml.so.1");
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.message(),
             Catch::StartsWith("cannot load /nonexistent/libnvidia-ml.so.1: /nonexistent/"));
  const auto not_nvml = sonde::gpu::load_nvml("libz.so.1");
  REQUIRE_FALSE(not_nvml.ok());
  CHECK(not_nvml.message() ==
        "libz.so.1 does not export nvmlInit, nvmlDeviceGetCount and nvmlDeviceGetHandleByIndex: "
        "not an NVML library");
}

TEST_CASE("load_nvml resolves every function of the fake, and records the library",
          "[gpu][loader]") {
  FakeLib f(base_fixture());
  auto api = sonde::gpu::load_nvml(f.lib);
  REQUIRE(api.ok());
  const sonde::gpu::NvmlApi& a = **api;
  CHECK(a.library == f.lib);
  CHECK(a.handle != nullptr);
  CHECK(a.resolved_graphics == "nvmlDeviceGetGraphicsRunningProcesses_v3");
  CHECK(a.graphics_processes_api == sonde::gpu::ProcessApi::v2);
  for (const void* fn :
       {(const void*)a.init, (const void*)a.shutdown, (const void*)a.error_string,
        (const void*)a.device_count, (const void*)a.handle_by_index, (const void*)a.name,
        (const void*)a.uuid, (const void*)a.pci_info, (const void*)a.utilization,
        (const void*)a.memory_v2, (const void*)a.temperature, (const void*)a.remapped_rows}) {
    CHECK(fn != nullptr);
  }
}
