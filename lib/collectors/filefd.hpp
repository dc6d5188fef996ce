// The filefd collector: node_exporter 1.5.0's node_filefd_allocated and node_filefd_maximum from
// /proc/sys/fs/file-nr.
#pragma once

#include <memory>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct Filefd {
  double allocated = 0;
  double maximum = 0;
};

/// "1024\t0\t1631329\n": allocated, free (always 0 since Linux 2.6) and maximum, separated by
/// tabs. Fails on fewer than three fields or a value that is not a number.
core::Result<Filefd> parse_filefd(std::string_view text);

class FilefdCollector final : public Collector {
 public:
  explicit FilefdCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "filefd"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_filefd(const CollectorContext& ctx);

}  // namespace sonde::collectors
