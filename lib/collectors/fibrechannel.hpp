// The fibrechannel collector: node_exporter 1.5.0's node_fibrechannel_* families from
// /sys/class/fc_host/<host>, read as prometheus/procfs 0.8.0's FibreChannelClass.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct FibreChannelHost {
  std::string name, speed, port_state, port_type, symbolic_name, node_name, port_id, port_name,
      fabric_name, dev_loss_tmo, supported_classes, supported_speeds;
  // statistics/*: 0 when the file is absent or unsupported; UINT64_MAX is "not available".
  std::uint64_t dumped_frames = 0, error_frames = 0, invalid_crc_count = 0, rx_frames = 0,
                rx_words = 0, tx_frames = 0, tx_words = 0, seconds_since_last_reset = 0,
                invalid_tx_word_count = 0, link_failure_count = 0, loss_of_sync_count = 0,
                loss_of_signal_count = 0, nos_count = 0, fcp_packet_aborts = 0;
};

/// Every host of <sysfs>/class/fc_host. nullopt without the class directory or a host's
/// statistics directory (procfs passes those ENOENTs on unwrapped: node_exporter's ErrNoData).
/// Each attribute must read (a missing one fails, as in node_exporter); node_name, port_id,
/// port_name and fabric_name lose their first two characters ("0x") when longer than two.
core::Result<std::optional<std::vector<FibreChannelHost>>> read_fibrechannel(
    const std::filesystem::path& sysfs);

class FibrechannelCollector final : public Collector {
 public:
  explicit FibrechannelCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "fibrechannel"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_fibrechannel(const CollectorContext& ctx);

}  // namespace sonde::collectors
