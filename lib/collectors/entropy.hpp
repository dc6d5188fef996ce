// The entropy collector: node_exporter 1.5.0's node_entropy_available_bits and
// node_entropy_pool_size_bits from /proc/sys/kernel/random/{entropy_avail,poolsize}.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string_view>
#include <utility>

#include "collectors/collector.hpp"

namespace sonde::collectors {

/// A /proc/sys file holding one unsigned decimal number (procfs's ReadUintFromFile: surrounding
/// whitespace trimmed). Used by entropy and conntrack.
core::Result<std::uint64_t> parse_proc_uint(std::string_view text);

/// A file of parse_proc_uint's kind, published as the gauge `name`.
struct NumberFile {
  const char* file;
  const char* name;
  const char* help;
};

/// Publishes every file of `files` under `dir` that exists. A file that exists but cannot be read
/// or holds no number is an error; otherwise returns how many files were absent.
core::Result<std::size_t> publish_number_files(const std::filesystem::path& dir,
                                               std::span<const NumberFile> files,
                                               core::SampleSink& out);

class EntropyCollector final : public Collector {
 public:
  explicit EntropyCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "entropy"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_entropy(const CollectorContext& ctx);

}  // namespace sonde::collectors
