// The vmstat collector: node_vmstat_<field> (untyped) for each /proc/vmstat field whose name
// matches the configured regex (node_exporter's --collector.vmstat.fields).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"

namespace sonde::collectors {

struct VmstatField {
  std::string_view name;  // points into the parsed text
  double value = 0;
};

struct Vmstat {
  std::vector<VmstatField> fields;  // in file order
  std::size_t errors = 0;           // lines skipped as malformed or duplicated
};

/// The result refers to `text`, which must outlive it.
Vmstat parse_vmstat(std::string_view text);

class VmstatCollector final : public Collector {
 public:
  /// `fields` is a regex (RE2 syntax) searched in each field name (unanchored, as Go's
  /// MatchString). The config loader rejects a bad one; if one gets here anyway, every collect
  /// fails with the regex error instead of the constructor throwing.
  VmstatCollector(core::HostPaths paths, const std::string& fields);
  std::string_view name() const override { return "vmstat"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  Pattern fields_;
  MatchMemo memo_;  // fields_'s answer per field name

  // The kernel's field names do not change while it runs: which lines become which series (and
  // how many are skipped for their names) is worked out once per sequence of names, and a cycle
  // whose lines have those names and integer values parses only the picked lines.
  struct Pick {
    std::uint32_t line = 0;
    std::string name, help;
  };
  std::string plan_names_;  // every line's name, each followed by '\n'; empty: no plan yet
  std::vector<Pick> picks_;
  std::size_t plan_name_errors_ = 0;
  std::string names_;                     // this cycle's
  std::vector<std::string_view> values_;  // this cycle's value field of each line
  void plan(std::string_view text);
};

std::unique_ptr<Collector> make_vmstat(const CollectorContext& ctx);

}  // namespace sonde::collectors
