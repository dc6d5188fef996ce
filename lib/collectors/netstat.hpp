// The netstat collector: node_exporter 1.5.0's node_netstat_<Protocol>_<Field> (untyped) from
// /proc/net/netstat, /proc/net/snmp and /proc/net/snmp6, for the fields matching
// collectors.netstat.fields.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "collectors/collector.hpp"
#include "collectors/pattern.hpp"
#include "core/regex.hpp"

namespace sonde::collectors {

struct NetstatValue {
  std::string_view name;  // "InSegs"; points into the parsed text
  double value = 0;
  /// Where the value is among the file's value fields, counted as NetstatShape counts them.
  std::uint32_t index = 0;
};

struct NetstatProtocol {
  std::string_view protocol;  // "Tcp", "TcpExt", "Udp6"
  std::vector<NetstatValue> values;
};

/// /proc/net/netstat and /proc/net/snmp: pairs of lines "Proto: Name1 Name2 ..." and
/// "Proto: v1 v2 ...". Fails on a pair whose field counts differ or on a value that is not a
/// number, as node_exporter does. A protocol seen twice keeps its last block (as Go's map).
/// The result refers to `text`.
core::Result<std::vector<NetstatProtocol>> parse_netstat(std::string_view text);

/// /proc/net/snmp6: "Ip6InReceives  123" lines; the protocol is the name up to its first '6'.
/// Lines with fewer than two fields or without a '6' are skipped, as node_exporter does.
core::Result<std::vector<NetstatProtocol>> parse_snmp6(std::string_view text);

/// A file's field names and value fields, split but not parsed: netstat and snmp have value
/// fields after each value line's "Proto:", snmp6 one per line (empty when the line has none).
/// `names` holds every header line (snmp6: every line's first field), each followed by '\n'.
/// `ok` is false when a pair's counts differ or a header is empty (the parser's errors).
struct NetstatShape {
  std::string names;
  std::vector<std::string_view> values;
  bool ok = true;
};
void shape_netstat(std::string_view text, NetstatShape& out);
void shape_snmp6(std::string_view text, NetstatShape& out);

class NetstatCollector final : public Collector {
 public:
  NetstatCollector(core::HostPaths paths, const collectors::NetstatOptions& options);
  std::string_view name() const override { return "netstat"; }
  core::Status collect(core::SampleSink& out) override;

 private:
  core::HostPaths paths_;
  core::Result<core::Regex> fields_;
  MatchMemo memo_;  // fields_'s answer per protocol_field

  // The kernel's field names do not change while it runs: which value fields become which
  // series is worked out once per set of names (`plan_`), and a cycle whose files have the same
  // names and only integer values parses just those fields.
  struct Pick {
    std::uint8_t file = 0;
    std::uint32_t index = 0;
    std::string name, help;
  };
  struct Plan {
    bool valid = false;
    bool present[3] = {};
    std::string names[3];
    std::vector<Pick> picks;
    std::size_t bad_names = 0;
  };
  Plan plan_;
  NetstatShape shapes_[3];
  std::string texts_[3];
  bool present_[3] = {};
  bool emit_planned(core::SampleSink& out) const;
};

std::unique_ptr<Collector> make_netstat(const CollectorContext& ctx);

}  // namespace sonde::collectors
