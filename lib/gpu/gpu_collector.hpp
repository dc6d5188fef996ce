// The NVIDIA GPU collector: samples every GPU through NVML (nvml_loader.hpp) with
// dcgm-exporter's metric names, units and labels, plus per-process GPU memory with container
// and pod attribution. NVML calls that can hang run on a bounded BlockingPool, one key per GPU,
// so a sick GPU holds at most one worker and never delays a scrape.
//
// Depends only on core: daemon/wiring.cpp adapts it to collectors::Collector (name + collect)
// and registers render_live() as a live source on the board.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/blocking_pool.hpp"
#include "core/host_paths.hpp"
#include "core/metrics.hpp"
#include "core/rate_limit.hpp"
#include "core/result.hpp"
#include "gpu/device_reader.hpp"
#include "gpu/fields.hpp"
#include "gpu/nvml_loader.hpp"
#include "gpu/options.hpp"

namespace sonde::gpu {

class GpuCollector {
 public:
  /// Loads options.nvml_library, calls nvmlInit and enumerates the GPUs (on the pool, bounded
  /// by call_timeout). An error means the collector is unavailable (no library, no driver, no
  /// GPU): the caller logs it once and publishes only sonde_gpu_available 0.
  static core::Result<std::shared_ptr<GpuCollector>> open(const gpu::GpuOptions& options,
                                                          const core::HostPaths& paths,
                                                          std::string hostname);
  ~GpuCollector();
  GpuCollector(const GpuCollector&) = delete;
  GpuCollector& operator=(const GpuCollector&) = delete;

  std::string_view name() const { return "gpu"; }

  /// Takes one sample of every GPU. GPUs that answer replace the series render_live() shows; a
  /// lost GPU is dropped (and counted) while the others keep reporting. Returns an error when a
  /// GPU's calls timed out or are still stuck from an earlier sample: that GPU's series are
  /// dropped too. Not thread-safe with itself (the scheduler runs it on one strand).
  core::Status collect();

  /// Appends the latest sample's series, sonde_gpu_available 1, sonde_gpu_errors_total and
  /// sonde_gpu_process_series_dropped_total. Thread-safe, cheap, no I/O.
  void render_live(core::SnapshotBuilder& out) const;

  std::size_t device_count() const { return devices_.size(); }
  const NvmlApi& api() const { return *api_; }
  /// NVML calls the last collect() made, in total (docs/performance.md).
  std::uint64_t last_sample_calls() const { return last_calls_; }

 private:
  struct Device {
    unsigned index = 0;
    nvml::Device handle = nullptr;
    std::string index_text, device, uuid, model, pci_bus_id;
    bool have_static = false;
    bool xid_registered = false;
    bool stuck = false;  // its last call did not return in time (and may still be running)
    unsigned long long last_xid = 0;
  };

  GpuCollector(std::shared_ptr<const NvmlApi> api, const gpu::GpuOptions& options,
               const core::HostPaths& paths, std::string hostname);
  void count_error(const std::string& gpu, std::string_view reason, std::uint64_t n = 1);
  void poll_events(std::chrono::steady_clock::time_point deadline);
  void emit(const Device& d, const Reading& r, core::SnapshotBuilder& out,
            std::uint32_t& processes_left);

  std::shared_ptr<const NvmlApi> api_;
  gpu::GpuOptions options_;
  core::HostPaths paths_;
  std::string hostname_;
  std::array<bool, kFieldCount> enabled_{};
  bool processes_enabled_ = true;
  bool info_enabled_ = true;
  std::string driver_version_, nvml_version_, cuda_driver_version_;
  std::vector<Device> devices_;
  nvml::EventSet events_ = nullptr;
  bool events_stuck_ = false;
  std::unique_ptr<core::BlockingPool> pool_;
  std::uint64_t last_calls_ = 0;
  core::RateLimitedLog log_{std::chrono::minutes(1), 3, 256};

  mutable std::mutex mu_;  // guards what render_live reads
  core::SnapshotPtr latest_;
  std::map<std::pair<std::string, std::string>, std::uint64_t> errors_;
  std::uint64_t processes_dropped_ = 0;
};

/// What an unavailable GPU collector publishes: sonde_gpu_available 0.
void render_unavailable(core::SnapshotBuilder& out);

}  // namespace sonde::gpu
