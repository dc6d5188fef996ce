// The meminfo collector: one node_memory_* gauge per /proc/meminfo field, named exactly as
// node_exporter names them (node_memory_Active_anon_bytes, node_memory_HugePages_Total, ...).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"

namespace sonde::collectors {

struct MeminfoField {
  std::string name;  // after "node_memory_": Active_anon_bytes, HugePages_Total
  double value = 0;  // bytes for kB fields, the plain count otherwise
};

struct Meminfo {
  std::vector<MeminfoField> fields;  // in file order, first occurrence of each key only
  std::size_t errors = 0;            // lines skipped: malformed, unknown unit, duplicate key
};

Meminfo parse_meminfo(std::string_view text);

class MeminfoCollector final : public Collector {
 public:
  explicit MeminfoCollector(core::HostPaths paths) : paths_(std::move(paths)) {}
  std::string_view name() const override { return "meminfo"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
};

std::unique_ptr<Collector> make_meminfo(const CollectorContext& ctx);

}  // namespace sonde::collectors
