// The infiniband collector: node_exporter 1.5.0's node_infiniband_* families from
// /sys/class/infiniband/<device>/ports/<port>, read as prometheus/procfs 0.8.0's
// InfiniBandClass.
#pragma once

#include <array>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// "<id>: <NAME>" of a port's state and phys_state files.
std::optional<std::uint32_t> parse_infiniband_state(std::string_view s);
/// A port's rate file ("100 Gb/sec (4X EDR)") in bytes per second: the first word as a float32
/// (strconv.ParseFloat(s, 32)) times 125000000.
std::optional<std::uint64_t> parse_infiniband_rate(std::string_view s);

/// The counters node_exporter publishes, in its order: counters_ext/ (the "legacy" ones) first.
inline constexpr std::size_t kInfinibandCounters = 30;

struct InfinibandPort {
  std::uint32_t port = 0;
  std::uint32_t state_id = 0, phys_state_id = 0;
  std::uint64_t rate = 0;
  /// Absent when the file is missing, unreadable or "N/A (no PMA)".
  std::array<std::optional<std::uint64_t>, kInfinibandCounters> counters{};
};

struct InfinibandDevice {
  std::string name, board_id, firmware_version, hca_type;
  std::map<std::uint32_t, InfinibandPort> ports;
};

/// Every device of <sysfs>/class/infiniband. nullopt when a file procfs needs is missing (the
/// class directory, board_id, fw_ver, a port's state, phys_state, rate or counters/: its ENOENT
/// reaches node_exporter, which reports ErrNoData); an error for other failures.
core::Result<std::optional<std::vector<InfinibandDevice>>> read_infiniband(
    const std::filesystem::path& sysfs);

class InfinibandCollector final : public Collector {
 public:
  explicit InfinibandCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "infiniband"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_infiniband(const CollectorContext& ctx);

}  // namespace sonde::collectors
