// The nvme collector: node_exporter 1.5.0's node_nvme_info from /sys/class/nvme/<device>
// (firmware_rev, model, serial, state), read as prometheus/procfs 0.8.0's NVMeClass.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct NvmeDevice {
  std::string name, firmware_revision, model, serial, state;
};

/// Every entry of <sysfs>/class/nvme. nullopt when the class directory or any device's file is
/// missing (node_exporter's ErrNoData: procfs wraps the ENOENT); an error for other failures.
core::Result<std::optional<std::vector<NvmeDevice>>> read_nvme(const std::filesystem::path& sysfs);

class NvmeCollector final : public Collector {
 public:
  explicit NvmeCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "nvme"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_nvme(const CollectorContext& ctx);

}  // namespace sonde::collectors
