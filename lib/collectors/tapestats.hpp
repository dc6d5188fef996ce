// The tapestats collector: node_exporter 1.5.0's node_tape_* families from
// /sys/class/scsi_tape/st<N>/stats, read as prometheus/procfs 0.8.0's SCSITapeClass.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

struct TapeStats {
  std::string name;
  std::uint64_t in_flight = 0, io_ns = 0, other_cnt = 0, read_byte_cnt = 0, read_cnt = 0,
                read_ns = 0, resid_cnt = 0, write_byte_cnt = 0, write_cnt = 0, write_ns = 0;
};

/// The st<N> entries of <sysfs>/class/scsi_tape (nst<N>, st<N>a... are other views of the same
/// drives). nullopt without the class directory. Every file of a drive's stats directory must
/// read (procfs reads them all), and the ten it knows must be numbers (strconv.ParseUint base 0);
/// anything else fails the read (node_exporter 1.5 crashes on a value that is no number).
core::Result<std::optional<std::vector<TapeStats>>> read_tapestats(
    const std::filesystem::path& sysfs);

class TapestatsCollector final : public Collector {
 public:
  TapestatsCollector(core::HostPaths paths, const TapestatsOptions& options)
      : paths_(std::move(paths)), exclude_("tapestats.device_exclude", options.device_exclude) {}
  std::string_view name() const override { return "tapestats"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  Pattern exclude_;
};

std::unique_ptr<Collector> make_tapestats(const CollectorContext& ctx);

}  // namespace sonde::collectors
