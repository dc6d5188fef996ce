// The textfile collector: node_exporter 1.5.0's --collector.textfile.directory. Every *.prom file
// of collectors.textfile.directory (a directory, or a glob of directories) is parsed strictly
// (text_format.hpp) and its families merged across files exactly as node_exporter 1.5.0's
// registry merges them; plus node_textfile_mtime_seconds{file} and node_textfile_scrape_error.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/text_format.hpp"
#include "core/rate_limit.hpp"

namespace sonde::collectors {

/// Larger files are an error for the attempt (counted as reason="too_large").
inline constexpr std::size_t kTextfileMaxFileBytes = 8u << 20;
/// Files with more samples are an error for the attempt (reason="too_many_series").
inline constexpr std::size_t kTextfileMaxSeriesPerFile = 100'000;

/// One parsed file, in the order node_exporter reads them (directories in glob order, names
/// sorted).
struct TextfileInput {
  std::string path;  // as node_exporter names it: filepath.Join(directory, name)
  std::vector<TextFamily> families;
};

/// node_exporter 1.5.0's merge of the files' families into one exposition: a family without
/// HELP gets "Metric read from <files>"; every sample of a family gets the union of its file's
/// label names (missing ones empty); then, as client_golang's Gather does, the first file to
/// publish a name fixes its help and type, and a later sample with another help or type, a
/// repeated label set, or a name colliding with a summary's or histogram's _sum/_count/_bucket
/// is dropped (counted in `dropped`). Writes into `out`.
void merge_textfiles(const std::vector<TextfileInput>& files, core::SampleSink& out,
                     std::size_t& dropped);

class TextfileCollector final : public Collector {
 public:
  TextfileCollector(core::HostPaths paths, const collectors::TextfileOptions& options);
  std::string_view name() const override { return "textfile"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  /// Reads and parses one file; an error names the reason (a key of errors_).
  core::Result<TextfileInput> read_file(const std::string& path, double& mtime,
                                        std::string& reason);
  void count(const std::string& reason, const std::string& what);

  std::string directory_;
  std::map<std::string, std::uint64_t> errors_;  // sonde_textfile_errors_total{reason}
  core::RateLimitedLog log_;
};

std::unique_ptr<Collector> make_textfile(const CollectorContext& ctx);

}  // namespace sonde::collectors
