// CPU time and NVML calls per sample of the GPU collector on N fake GPUs (tests/fake_nvml).
// Usage: sonde_gpu_bench FAKE_NVML_SO FIXTURE_DIR [GPUS=8] [SAMPLES=500]
// FIXTURE_DIR is tests/fixtures/gpu; its fake_nvml.json's two GPUs (an A100 with MIG and two
// container processes, a T4) are repeated to make GPUS devices. Prints per-sample figures.
#include <sys/resource.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

#include "gpu/gpu_collector.hpp"

namespace fs = std::filesystem;

namespace {
double cpu_seconds() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  return static_cast<double>(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
         static_cast<double>(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s FAKE_NVML_SO FIXTURE_DIR [GPUS] [SAMPLES]\n", argv[0]);
    return 2;
  }
  const fs::path fixtures = argv[2];
  const int gpus = argc > 3 ? std::atoi(argv[3]) : 8;
  const int samples = argc > 4 ? std::atoi(argv[4]) : 500;
  nlohmann::json base = nlohmann::json::parse(std::ifstream(fixtures / "fake_nvml.json"));
  nlohmann::json doc = base;
  doc["devices"] = nlohmann::json::array();
  for (int i = 0; i < gpus; ++i) doc["devices"].push_back(base["devices"][i % 2]);
  const fs::path tmp = fs::temp_directory_path() / ("sonde-gpu-bench-" + std::to_string(getpid()));
  fs::create_directories(tmp);
  std::ofstream(tmp / "fixture.json") << doc.dump();
  setenv("SONDE_FAKE_NVML_FIXTURE", (tmp / "fixture.json").c_str(), 1);

  sonde::gpu::GpuOptions o;
  o.nvml_library = argv[1];
  auto c =
      sonde::gpu::GpuCollector::open(o, sonde::core::HostPaths::under(fixtures / "host"), "bench");
  if (!c) {
    std::fprintf(stderr, "open: %s\n", c.message().c_str());
    return 1;
  }
  for (int i = 0; i < 5; ++i) (void)(*c)->collect();  // static info, thread start-up
  const std::uint64_t calls = (*c)->last_sample_calls();
  const auto w0 = std::chrono::steady_clock::now();
  const double c0 = cpu_seconds();
  for (int i = 0; i < samples; ++i) {
    if (!(*c)->collect().ok()) return 1;
  }
  const double cpu = cpu_seconds() - c0;
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - w0).count();
  const double r0 = cpu_seconds();
  std::size_t series = 0;
  for (int i = 0; i < samples; ++i) {
    sonde::core::SnapshotBuilder b;
    (*c)->render_live(b);
    series = b.take().series_count();
  }
  const double render = cpu_seconds() - r0;
  std::printf("gpus=%d samples=%d\n", gpus, samples);
  std::printf("nvml_calls_per_sample=%llu nvml_calls_per_gpu=%.1f (incl. 1 event poll)\n",
              static_cast<unsigned long long>(calls), static_cast<double>(calls) / gpus);
  std::printf("cpu_ms_per_sample=%.3f wall_ms_per_sample=%.3f\n", cpu * 1e3 / samples,
              wall * 1e3 / samples);
  std::printf("render_live: series=%zu cpu_us_per_scrape=%.1f\n", series, render * 1e6 / samples);
  fs::remove_all(tmp);
  return 0;
}
