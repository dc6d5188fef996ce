// read_device over a function table of the test's own: what each NVML answer makes of a Reading.
#include "gpu/device_reader.hpp"

#include <catch2/catch.hpp>
#include <cstring>

using namespace sonde::gpu;
namespace nvml = sonde::gpu::nvml;

namespace {

constexpr unsigned long long kMiB = 1024 * 1024;

// The answers the fake functions give; reset by each test.
struct Answers {
  nvml::Return utilization = nvml::kSuccess;
  nvml::Return temperature = nvml::kSuccess;
  nvml::Return power = nvml::kSuccess;
  int calls_after_utilization = 0;
};
Answers g;

nvml::Return utilization(nvml::Device, nvml::Utilization* u) {
  u->gpu = 37;
  u->memory = 12;
  return g.utilization;
}
nvml::Return memory_v2(nvml::Device, nvml::MemoryV2* m) {
  if (m->version != nvml::kMemoryV2Version) return nvml::kErrorInvalidArgument;
  m->total = 15360 * kMiB;
  m->reserved = 447 * kMiB;
  m->used = 447 * kMiB + 1000 * kMiB + 5;  // used includes reserved
  m->free = m->total - m->used;
  ++g.calls_after_utilization;
  return nvml::kSuccess;
}
nvml::Return memory_v1(nvml::Device, nvml::Memory* m) {
  m->total = 16 * 1024 * kMiB;
  m->used = 2048 * kMiB;
  m->free = m->total - m->used;
  return nvml::kSuccess;
}
nvml::Return temperature(nvml::Device, int sensor, unsigned* t) {
  ++g.calls_after_utilization;
  if (sensor != nvml::kTemperatureGpu) return nvml::kErrorInvalidArgument;
  *t = 64;
  return g.temperature;
}
nvml::Return power(nvml::Device, unsigned* mw) {
  ++g.calls_after_utilization;
  *mw = 70500;
  return g.power;
}
nvml::Return compute(nvml::Device, unsigned* count, void* out) {
  if (*count < 40) {  // more processes than sonde's first buffer (32) holds
    *count = 40;
    return nvml::kErrorInsufficientSize;
  }
  const nvml::ProcessInfoV2 p[2] = {{100, 300 * kMiB, 0, 0}, {101, nvml::kValueNotAvailable, 0, 0}};
  std::memcpy(out, p, sizeof p);
  *count = 2;
  return nvml::kSuccess;
}
nvml::Return graphics(nvml::Device, unsigned* count, void* out) {
  const nvml::ProcessInfoV2 p[1] = {{100, 500 * kMiB, 0, 0}};  // also a compute process
  std::memcpy(out, p, sizeof p);
  *count = 1;
  return nvml::kSuccess;
}

NvmlApi api() {
  g = {};
  NvmlApi a;
  a.utilization = utilization;
  a.memory_v2 = memory_v2;
  a.memory_v1 = memory_v1;
  a.temperature = temperature;
  a.power_usage = power;
  a.compute_processes = compute;
  a.compute_processes_api = ProcessApi::v2;
  a.graphics_processes = graphics;
  a.graphics_processes_api = ProcessApi::v2;
  return a;
}

ReadPlan all_fields() {
  ReadPlan p;
  p.enabled.fill(true);
  return p;
}

double value(const Reading& r, Field f) {
  const auto& v = r.values[static_cast<std::size_t>(f)];
  REQUIRE(v.has_value());
  return *v;
}
bool has(const Reading& r, Field f) { return r.values[static_cast<std::size_t>(f)].has_value(); }

}  // namespace

TEST_CASE("read_device converts NVML's units to dcgm-exporter's", "[gpu][reader]") {
  const NvmlApi a = api();
  Reading r;
  read_device(a, nullptr, all_fields(), r);
  CHECK_FALSE(r.lost);
  CHECK(r.errors.empty());
  CHECK(value(r, Field::gpu_util) == 37);
  CHECK(value(r, Field::mem_copy_util) == 12);
  // FB_USED excludes the reserved part; whole MiB, truncated.
  CHECK(value(r, Field::fb_used) == 1000);
  CHECK(value(r, Field::fb_reserved) == 447);
  CHECK(value(r, Field::fb_free) == 15360 - 447 - 1000 - 1);
  CHECK(value(r, Field::gpu_temp) == 64);
  CHECK(value(r, Field::power_usage) == 70.5);  // mW -> W
  // Functions the table lacks give absent fields, not errors.
  CHECK_FALSE(has(r, Field::sm_clock));
  CHECK_FALSE(has(r, Field::fan_speed));
  // pid 100 is listed by both calls: the larger; NOT_AVAILABLE memory is 0.
  REQUIRE(r.procs.size() == 2);
  CHECK(r.procs[0].pid == 100);
  CHECK(r.procs[0].used == 500 * kMiB);
  CHECK(r.procs[1].pid == 101);
  CHECK(r.procs[1].used == 0);
  // utilization, memory, temperature, power, compute (2: too small, then again), graphics.
  CHECK(r.calls == 7);
}

TEST_CASE("read_device: old drivers' memory call counts reserved memory as used", "[gpu][reader]") {
  NvmlApi a = api();
  a.memory_v2 = nullptr;
  Reading r;
  read_device(a, nullptr, all_fields(), r);
  CHECK(value(r, Field::fb_used) == 2048);
  CHECK_FALSE(has(r, Field::fb_reserved));
}

TEST_CASE("read_device: NOT_SUPPORTED is an absent field, other failures are kept",
          "[gpu][reader]") {
  NvmlApi a = api();
  g.temperature = nvml::kErrorNotSupported;
  g.power = nvml::kErrorNoPermission;
  Reading r;
  read_device(a, nullptr, all_fields(), r);
  CHECK_FALSE(r.lost);
  CHECK_FALSE(has(r, Field::gpu_temp));
  CHECK_FALSE(has(r, Field::power_usage));
  CHECK(r.errors == std::vector<std::string>{nvml::return_name(nvml::kErrorNoPermission)});
  CHECK(r.procs.size() == 2);  // the reads after a failed one still run
}

TEST_CASE("read_device stops at the first sign of a lost GPU", "[gpu][reader]") {
  NvmlApi a = api();
  g.utilization = nvml::kErrorGpuIsLost;
  Reading r;
  read_device(a, nullptr, all_fields(), r);
  CHECK(r.lost);
  CHECK(r.lost_reason == nvml::return_name(nvml::kErrorGpuIsLost));
  CHECK(g.calls_after_utilization == 0);
  CHECK(r.errors.empty());
  CHECK(r.calls == 1);
}

TEST_CASE("read_device reads only the enabled fields", "[gpu][reader]") {
  const NvmlApi a = api();
  ReadPlan plan;
  plan.enabled[static_cast<std::size_t>(Field::gpu_temp)] = true;
  plan.processes = false;
  Reading r;
  read_device(a, nullptr, plan, r);
  CHECK(value(r, Field::gpu_temp) == 64);
  CHECK_FALSE(has(r, Field::fb_used));
  CHECK(r.procs.empty());
  CHECK(r.calls == 1);
}

TEST_CASE("Reading::record_call counts calls and classifies answers", "[gpu][reader]") {
  Reading r;
  CHECK(r.record_call(nvml::kSuccess));
  CHECK_FALSE(r.record_call(nvml::kErrorFunctionNotFound));
  CHECK_FALSE(r.record_call(nvml::kErrorUnknown, /*is_call=*/false));
  CHECK(r.calls == 2);
  CHECK(r.errors.size() == 1);
  CHECK_FALSE(r.lost);
  CHECK_FALSE(r.record_call(nvml::kErrorResetRequired));
  CHECK(r.lost);
}
