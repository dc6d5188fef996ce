// The GPU collector against the fake NVML library (tests/fake_nvml), loaded through the same
// dlopen path as on a real host. Each test loads its own copy of the library (fresh state).
#include "gpu/gpu_collector.hpp"

#include <unistd.h>

#include <atomic>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "fake_lib.hpp"
#include "gpu/nvml_loader.hpp"
#include "support/test_support.hpp"

using sonde::core::MetricType;
using sonde::gpu::GpuCollector;
using sonde::test::json;
using sonde::test::kGpuFixtures;
namespace fs = std::filesystem;
using sonde::test::base_fixture;
using sonde::test::FakeLib;

namespace {

struct Exposition {
  std::map<std::string, double> values;
  std::map<std::string, MetricType> types;
  bool has(const std::string& s) const { return values.count(s) != 0; }
  double at(const std::string& s) const {
    auto it = values.find(s);
    if (it == values.end()) FAIL("missing series " << s);
    return it->second;
  }
  std::size_t count_prefix(const std::string& p) const {
    std::size_t n = 0;
    for (const auto& [k, v] : values) n += k.rfind(p, 0) == 0 ? 1 : 0;
    return n;
  }
};

Exposition render(const GpuCollector& c) {
  sonde::core::SnapshotBuilder b;
  c.render_live(b);
  Exposition e;
  for (const auto& f : b.take().families) {
    e.types[f.name] = f.type;
    for (const auto& s : f.samples) e.values[s.series] = s.value;
  }
  return e;
}

sonde::gpu::GpuOptions options_for(const FakeLib& f) {
  sonde::gpu::GpuOptions o;
  o.nvml_library = f.lib;
  o.call_timeout = std::chrono::milliseconds(5000);
  return o;
}

std::shared_ptr<GpuCollector> open(const FakeLib&, sonde::gpu::GpuOptions o) {
  auto c = GpuCollector::open(o, sonde::core::HostPaths::under(kGpuFixtures / "host"), "node-a");
  if (!c) FAIL(c.message());
  return std::move(*c);
}

const std::string kG0 =
    R"(gpu="0",UUID="GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e",pci_bus_id="00000000:07:00.0",)"
    R"(device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",hostname="node-a")";
const std::string kG1 =
    R"(gpu="1",UUID="GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",pci_bus_id="00000000:3B:00.0",)"
    R"(device="nvidia1",modelName="Tesla T4",hostname="node-a")";

}  // namespace

TEST_CASE("no driver and no GPU make the collector unavailable", "[gpu]") {
  json j = base_fixture();
  j["init_error"] = 9;  // NVML_ERROR_DRIVER_NOT_LOADED
  FakeLib no_driver(j);
  auto c = GpuCollector::open(options_for(no_driver), {}, "h");
  REQUIRE_FALSE(c.ok());
  CHECK(c.message() == "nvmlInit failed: driver_not_loaded (no NVIDIA driver loaded)");

  json k = base_fixture();
  k["devices"] = json::array();
  FakeLib no_gpu(k);
  auto d = GpuCollector::open(options_for(no_gpu), {}, "h");
  REQUIRE_FALSE(d.ok());
  CHECK(d.message() == "NVML reports no GPU");

  sonde::core::SnapshotBuilder b;
  sonde::gpu::render_unavailable(b);
  auto snap = b.take();
  REQUIRE(snap.families.size() == 1);
  CHECK(snap.families[0].samples[0].series == "sonde_gpu_available");
  CHECK(snap.families[0].samples[0].value == 0);
}

TEST_CASE("fields in dcgm-exporter's names, units and labels", "[gpu]") {
  FakeLib f(base_fixture());
  auto c = open(f, options_for(f));
  REQUIRE(c->device_count() == 2);
  REQUIRE(c->collect().ok());
  const Exposition e = render(*c);

  CHECK(e.at("sonde_gpu_available") == 1);
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + kG0 + "}") == 87);
  CHECK(e.at("DCGM_FI_DEV_MEM_COPY_UTIL{" + kG0 + "}") == 41);
  CHECK(e.at("DCGM_FI_DEV_ENC_UTIL{" + kG0 + "}") == 0);
  CHECK(e.at("DCGM_FI_DEV_DEC_UTIL{" + kG0 + "}") == 3);
  // bytes -> whole MiB, truncated as DCGM does
  CHECK(e.at("DCGM_FI_DEV_FB_FREE{" + kG0 + "}") == 28610);
  CHECK(e.at("DCGM_FI_DEV_FB_USED{" + kG0 + "}") == 11809);
  CHECK(e.at("DCGM_FI_DEV_FB_RESERVED{" + kG0 + "}") == 540);
  CHECK(e.at("DCGM_FI_DEV_GPU_TEMP{" + kG0 + "}") == 54);
  CHECK(e.at("DCGM_FI_DEV_MEMORY_TEMP{" + kG0 + "}") == 61);
  CHECK(e.at("DCGM_FI_DEV_POWER_USAGE{" + kG0 + "}") == Approx(251.234));  // mW -> W
  CHECK(e.at("DCGM_FI_DEV_POWER_MGMT_LIMIT{" + kG0 + "}") == 400);
  CHECK(e.at("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION{" + kG0 + "}") == 9876543210.0);  // mJ
  CHECK(e.at("DCGM_FI_DEV_SM_CLOCK{" + kG0 + "}") == 1410);
  CHECK(e.at("DCGM_FI_DEV_MEM_CLOCK{" + kG0 + "}") == 1215);
  CHECK(e.at("DCGM_FI_DEV_PCIE_REPLAY_COUNTER{" + kG0 + "}") == 3);
  CHECK(e.at("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS{" + kG0 + "}") == 2);
  CHECK(e.at("DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS{" + kG0 + "}") == 1);
  CHECK(e.at("DCGM_FI_DEV_ROW_REMAP_FAILURE{" + kG0 + "}") == 0);
  CHECK(e.at("DCGM_FI_DEV_CLOCKS_EVENT_REASONS{" + kG0 + "}") == 4);
  CHECK(e.at("DCGM_FI_DEV_ECC_SBE_VOL_TOTAL{" + kG0 + "}") == 5);
  CHECK(e.at("DCGM_FI_DEV_ECC_DBE_VOL_TOTAL{" + kG0 + "}") == 0);
  CHECK(e.at("DCGM_FI_PROF_PCIE_TX_BYTES{" + kG0 + "}") == 1500 * 1024);  // KB/s -> B/s
  CHECK(e.at("DCGM_FI_PROF_PCIE_RX_BYTES{" + kG0 + "}") == 250000.0 * 1024);
  CHECK(e.at("DCGM_FI_DEV_XID_ERRORS{" + kG0 + "}") == 79);
  CHECK_FALSE(e.has("DCGM_FI_DEV_FAN_SPEED{" + kG0 + "}"));  // not in the fixture: NOT_SUPPORTED

  CHECK(e.types.at("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION") == MetricType::counter);
  CHECK(e.types.at("DCGM_FI_DEV_PCIE_REPLAY_COUNTER") == MetricType::counter);
  CHECK(e.types.at("DCGM_FI_DEV_GPU_UTIL") == MetricType::gauge);
  CHECK(e.types.at("DCGM_FI_DEV_XID_ERRORS") == MetricType::gauge);

  // MIG instances: framebuffer per GPU instance.
  CHECK(e.at("DCGM_FI_DEV_FB_USED{" + kG0 + R"(,GPU_I_PROFILE="3g.20gb",GPU_I_ID="1"})") == 8192);
  CHECK(e.at("DCGM_FI_DEV_FB_FREE{" + kG0 + R"(,GPU_I_PROFILE="3g.20gb",GPU_I_ID="1"})") == 11776);
  CHECK(e.at("DCGM_FI_DEV_FB_USED{" + kG0 + R"(,GPU_I_PROFILE="1g.5gb",GPU_I_ID="2"})") == 2048);
  CHECK(e.at("DCGM_FI_DEV_FB_FREE{" + kG0 + R"(,GPU_I_PROFILE="1g.5gb",GPU_I_ID="2"})") == 2816);

  // GPU 1: NOT_SUPPORTED fields are absent, never zero.
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + kG1 + "}") == 12);
  CHECK(e.at("DCGM_FI_DEV_FB_USED{" + kG1 + "}") == 1748);  // (used - reserved) / MiB
  CHECK(e.at("DCGM_FI_DEV_POWER_USAGE{" + kG1 + "}") == Approx(27.5));
  CHECK(e.at("DCGM_FI_PROF_PCIE_RX_BYTES{" + kG1 + "}") == 20480);
  for (const char* absent :
       {"DCGM_FI_DEV_MEMORY_TEMP", "DCGM_FI_DEV_FAN_SPEED", "DCGM_FI_DEV_ENC_UTIL",
        "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS", "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS",
        "DCGM_FI_DEV_ROW_REMAP_FAILURE", "DCGM_FI_DEV_XID_ERRORS"}) {
    CHECK_FALSE(e.has(std::string(absent) + "{" + kG1 + "}"));
  }
  CHECK(e.count_prefix("DCGM_FI_DEV_FB_USED{") == 4);  // two GPUs + two GPU instances

  CHECK(e.at(R"(sonde_gpu_info{gpu="0",UUID="GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e",)"
             R"(modelName="NVIDIA A100-SXM4-40GB",driver_version="535.104.05",)"
             R"(nvml_version="12.535.104.05",cuda_driver_version="12.2"})") == 1);
  // Nothing failed: NOT_SUPPORTED is not an error.
  CHECK(e.count_prefix("sonde_gpu_errors_total") == 0);
}

TEST_CASE("per-process GPU memory with container and pod attribution", "[gpu]") {
  FakeLib f(base_fixture());
  auto c = open(f, options_for(f));
  REQUIRE(c->collect().ok());
  const Exposition e = render(*c);
  const std::string u0 = R"(gpu="0",UUID="GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e")";
  const std::string u1 = R"(gpu="1",UUID="GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0")";
  CHECK(
      e.at(
          "sonde_gpu_process_memory_used_bytes{" + u0 +
          R"(,pid="4242",comm="python3",container_id="3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899",pod_uid=""})") ==
      8589934592.0);
  CHECK(
      e.at(
          "sonde_gpu_process_memory_used_bytes{" + u0 +
          R"(,pid="5151",comm="tritonserver",container_id="aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",pod_uid="6a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"})") ==
      2147483648.0);
  // Listed as compute and graphics: the larger amount, one series.
  CHECK(e.at("sonde_gpu_process_memory_used_bytes{" + u1 +
             R"(,pid="6161",comm="Xorg",container_id="",pod_uid=""})") == 1073741824.0);
  // Exited before its /proc entry was read: still reported, without names.
  CHECK(e.at("sonde_gpu_process_memory_used_bytes{" + u1 +
             R"(,pid="7171",comm="",container_id="",pod_uid=""})") == 268435456.0);
  CHECK(e.count_prefix("sonde_gpu_process_memory_used_bytes{") == 4);
  CHECK(e.at("sonde_gpu_process_series_dropped_total") == 0);
}

TEST_CASE("gpu.max_processes bounds the process series and counts the rest", "[gpu]") {
  FakeLib f(base_fixture());
  auto o = options_for(f);
  o.max_processes = 1;
  auto c = open(f, o);
  REQUIRE(c->collect().ok());
  auto e = render(*c);
  CHECK(e.count_prefix("sonde_gpu_process_memory_used_bytes{") == 1);
  CHECK(e.at("sonde_gpu_process_series_dropped_total") == 3);
  REQUIRE(c->collect().ok());
  e = render(*c);
  CHECK(e.at("sonde_gpu_process_series_dropped_total") == 6);
}

TEST_CASE("the old-symbol fake works, and fields whose symbols are missing are absent", "[gpu]") {
  FakeLib f(base_fixture(), /*old=*/true);
  auto c = open(f, options_for(f));
  REQUIRE(c->collect().ok());
  const Exposition e = render(*c);
  // No nvmlDeviceGetPciInfo_v3: the label is empty.
  const std::string g0 = R"(gpu="0",UUID="GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e",pci_bus_id="",)"
                         R"(device="nvidia0",modelName="NVIDIA A100-SXM4-40GB",hostname="node-a")";
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + g0 + "}") == 87);
  CHECK(e.at("DCGM_FI_DEV_FB_USED{" + g0 + "}") == 12349);           // v1: reserved included
  CHECK(e.at("DCGM_FI_DEV_CLOCKS_EVENT_REASONS{" + g0 + "}") == 4);  // ...ThrottleReasons
  CHECK(e.at("DCGM_FI_DEV_XID_ERRORS{" + g0 + "}") == 79);           // nvmlEventSetWait
  CHECK_FALSE(e.has("DCGM_FI_DEV_FB_RESERVED{" + g0 + "}"));
  CHECK_FALSE(e.has("DCGM_FI_DEV_MEMORY_TEMP{" + g0 + "}"));
  CHECK_FALSE(e.has("DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS{" + g0 + "}"));
  CHECK(e.count_prefix("DCGM_FI_DEV_FB_USED{") == 2);  // no MIG API
  // v1 process layout read correctly.
  CHECK(
      e.at(
          R"(sonde_gpu_process_memory_used_bytes{gpu="0",UUID="GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e",pid="5151",comm="tritonserver",container_id="aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",pod_uid="6a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9"})") ==
      2147483648.0);
}

TEST_CASE("a GPU lost mid-run is dropped and counted while the other keeps reporting", "[gpu]") {
  json j = base_fixture();
  j["devices"][1]["lost_after_samples"] = 1;
  FakeLib f(j);
  auto c = open(f, options_for(f));
  REQUIRE(c->collect().ok());
  auto e = render(*c);
  CHECK(e.has("DCGM_FI_DEV_GPU_UTIL{" + kG1 + "}"));
  REQUIRE(c->collect().ok());  // a lost GPU is not a failed collector
  e = render(*c);
  CHECK_FALSE(e.has("DCGM_FI_DEV_GPU_UTIL{" + kG1 + "}"));
  CHECK(e.count_prefix("sonde_gpu_process_memory_used_bytes{gpu=\"1\"") == 0);
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + kG0 + "}") == 87);
  CHECK(e.at(R"(sonde_gpu_errors_total{gpu="1",reason="gpu_is_lost"})") == 1);
  REQUIRE(c->collect().ok());
  e = render(*c);
  CHECK(e.at(R"(sonde_gpu_errors_total{gpu="1",reason="gpu_is_lost"})") == 2);
}

TEST_CASE("a hung NVML call drops that GPU, fails the attempt and holds one worker", "[gpu]") {
  json j = base_fixture();
  FakeLib f(j);
  // The call hangs until the test is done with it: no race between the hang and the collects.
  const fs::path release = f.dir / "release";
  j["devices"][1]["hang_until_file"] = release.string();
  std::ofstream(f.dir / "fixture.json") << j.dump();
  auto o = options_for(f);
  o.call_timeout = std::chrono::milliseconds(200);
  auto c = open(f, o);
  auto st = c->collect();
  REQUIRE_FALSE(st.ok());
  CHECK(st.message() == "NVML calls for GPU 1 did not return within 200ms");
  auto e = render(*c);
  CHECK_FALSE(e.has("DCGM_FI_DEV_GPU_UTIL{" + kG1 + "}"));  // dropped, never frozen
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + kG0 + "}") == 87);   // the other GPU keeps reporting
  CHECK(e.at(R"(sonde_gpu_errors_total{gpu="1",reason="timeout"})") == 1);
  // Still stuck: not started again (one worker at most), counted as busy.
  st = c->collect();
  REQUIRE_FALSE(st.ok());
  e = render(*c);
  CHECK(e.at(R"(sonde_gpu_errors_total{gpu="1",reason="key_busy"})") == 1);
  CHECK_FALSE(e.has("DCGM_FI_DEV_GPU_UTIL{" + kG1 + "}"));
  std::ofstream{release};  // the driver call returns; the collector can be closed
}

TEST_CASE("field selection reads only matching families", "[gpu]") {
  FakeLib f(base_fixture());
  auto o = options_for(f);
  o.fields = "^DCGM_FI_DEV_(GPU_UTIL|FB_USED)$";
  auto c = open(f, o);
  REQUIRE(c->collect().ok());
  const Exposition e = render(*c);
  CHECK(e.has("DCGM_FI_DEV_GPU_UTIL{" + kG0 + "}"));
  CHECK(e.has("DCGM_FI_DEV_FB_USED{" + kG0 + "}"));
  CHECK_FALSE(e.has("DCGM_FI_DEV_GPU_TEMP{" + kG0 + "}"));
  CHECK(e.count_prefix("sonde_gpu_process_memory_used_bytes") == 0);
  CHECK(e.count_prefix("sonde_gpu_info") == 0);
}

TEST_CASE("the host label name is configurable (Hostname for older dashboards)", "[gpu]") {
  FakeLib f(base_fixture());
  auto o = options_for(f);
  o.hostname_label = "Hostname";
  auto c = open(f, o);
  REQUIRE(c->collect().ok());
  const Exposition e = render(*c);
  std::string g0 = kG0;
  g0.replace(g0.find("hostname="), 9, "Hostname=");
  CHECK(e.at("DCGM_FI_DEV_GPU_UTIL{" + g0 + "}") == 87);
}

TEST_CASE("calls per sample are counted", "[gpu]") {
  FakeLib f(base_fixture());
  auto c = open(f, options_for(f));
  REQUIRE(c->collect().ok());
  const auto first = c->last_sample_calls();
  REQUIRE(c->collect().ok());
  CHECK(c->last_sample_calls() < first);  // name, UUID and PCI info are read once
  CHECK(c->last_sample_calls() > 0);
}

TEST_CASE("MIG profile names", "[gpu]") {
  CHECK(sonde::gpu::mig_profile_name(1, 4864) == "1g.5gb");
  CHECK(sonde::gpu::mig_profile_name(3, 19968) == "3g.20gb");
  CHECK(sonde::gpu::mig_profile_name(7, 40320) == "7g.40gb");
  CHECK(sonde::gpu::mig_profile_name(1, 9728) == "1g.10gb");
}

TEST_CASE("back-to-back samples are never refused as busy", "[gpu]") {
  FakeLib f(base_fixture());
  auto c = open(f, options_for(f));
  for (int i = 0; i < 200; ++i) REQUIRE(c->collect().ok());
  const Exposition e = render(*c);
  CHECK(e.count_prefix("sonde_gpu_errors_total") == 0);
}
