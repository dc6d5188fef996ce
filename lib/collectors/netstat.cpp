#include "collectors/netstat.hpp"

#include <map>
#include <optional>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

/// strings.Split(line, " "), as node_exporter splits these lines (not strings.Fields).
std::vector<std::string_view> split_spaces(std::string_view line) {
  std::vector<std::string_view> out;
  for (;;) {
    const auto sp = line.find(' ');
    out.push_back(line.substr(0, sp));
    if (sp == std::string_view::npos) break;
    line.remove_prefix(sp + 1);
  }
  return out;
}

/// Keeps one entry per name (the last, as a Go map assignment does), in first-seen order.
void set_value(std::vector<NetstatValue>& values, std::string_view name, double v) {
  for (NetstatValue& e : values) {
    if (e.name == name) {
      e.value = v;
      return;
    }
  }
  values.push_back({name, v});
}

void set_protocol(std::vector<NetstatProtocol>& out, NetstatProtocol p) {
  for (NetstatProtocol& e : out) {
    if (e.protocol == p.protocol) {
      e = std::move(p);
      return;
    }
  }
  out.push_back(std::move(p));
}

std::string quoted(std::string_view s) { return "\"" + std::string(s.substr(0, 40)) + "\""; }

}  // namespace

// Format (net/ipv4/proc.c, netstat_seq_show and snmp_seq_show): for each protocol a header line
// "TcpExt: SyncookiesSent SyncookiesRecv ..." and a value line "TcpExt: 0 4 ...", fields
// separated by single spaces. Values are decimal and may be negative (Tcp MaxConn is -1).
core::Result<std::vector<NetstatProtocol>> parse_netstat(std::string_view text) {
  std::vector<NetstatProtocol> out;
  std::vector<std::string_view> lines;
  core::for_each_line(text, [&](std::string_view line) { lines.push_back(line); });
  for (std::size_t i = 0; i < lines.size(); i += 2) {
    const auto names = split_spaces(lines[i]);
    const auto values = i + 1 < lines.size() ? split_spaces(lines[i + 1])
                                             : std::vector<std::string_view>{std::string_view()};
    if (names[0].empty())
      return core::error("netstat: line " + std::to_string(i + 1) + " is empty");
    NetstatProtocol p;
    p.protocol = names[0].substr(0, names[0].size() - 1);  // drop the trailing ':'
    p.values.reserve(names.size() - 1);
    if (names.size() != values.size()) {
      return core::error("netstat: field count mismatch for " + quoted(p.protocol) + " at line " +
                         std::to_string(i + 1));
    }
    for (std::size_t k = 1; k < names.size(); ++k) {
      const auto v = text::parse_go_float(values[k]);
      if (!v) {
        return core::error("netstat: invalid value " + quoted(values[k]) + " for " +
                           quoted(p.protocol) + " " + quoted(names[k]));
      }
      set_value(p.values, names[k], *v);
    }
    set_protocol(out, std::move(p));
  }
  return out;
}

// Format (net/ipv6/proc.c, snmp6_seq_show): one "Ip6InReceives<spaces>123" line per counter.
core::Result<std::vector<NetstatProtocol>> parse_snmp6(std::string_view text) {
  std::vector<NetstatProtocol> out;
  std::optional<core::Error> err;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    const std::string_view name = text::next_field(line);
    const std::string_view value = text::next_field(line);
    if (value.empty()) return;
    const auto six = name.find('6');
    if (six == std::string_view::npos) return;
    const auto v = text::parse_go_float(value);
    if (!v) {
      err = core::error("snmp6: invalid value " + quoted(value) + " for " + quoted(name));
      return;
    }
    const std::string_view protocol = name.substr(0, six + 1);
    NetstatProtocol* p = nullptr;
    for (NetstatProtocol& e : out) {
      if (e.protocol == protocol) p = &e;
    }
    if (p == nullptr) {
      out.push_back({protocol, {}});
      p = &out.back();
    }
    set_value(p->values, name.substr(six + 1), *v);
  });
  if (err) return *err;
  return out;
}

NetstatCollector::NetstatCollector(core::HostPaths paths, const collectors::NetstatOptions& options)
    : paths_(std::move(paths)),
      fields_(core::Regex::compile(options.fields, core::Regex::Anchor::none)) {}

core::Status NetstatCollector::collect(core::SampleSink& out) {
  if (!fields_) return core::error("netstat.fields: " + fields_.message());
  // Every file may be absent (a kernel without IPv6 has no snmp6; a container may hide all of
  // them): what exists is published.
  const char* const files[] = {"netstat", "snmp", "snmp6"};
  std::optional<std::string> texts[3];
  std::vector<NetstatProtocol> parsed[3];
  // node_exporter merges snmp into netstat and snmp6 into both, a protocol at a time.
  std::map<std::string_view, const NetstatProtocol*> merged;
  for (int i = 0; i < 3; ++i) {
    auto text = read_if_present(paths_.proc / "net" / files[i]);
    if (!text) return text.status();
    if (!*text) continue;
    texts[i] = std::move(**text);
    auto p = i == 2 ? parse_snmp6(*texts[i]) : parse_netstat(*texts[i]);
    if (!p) return core::error(p.message() + " in " + (paths_.proc / "net" / files[i]).string());
    parsed[i] = std::move(*p);
    for (const NetstatProtocol& proto : parsed[i]) merged.insert_or_assign(proto.protocol, &proto);
  }
  std::string key;
  std::string name;
  std::string help;
  for (const auto& [protocol, proto] : merged) {
    for (const NetstatValue& v : proto->values) {
      key.assign(protocol).append("_").append(v.name);
      if (!memo_.get(key, [&](std::string_view k) { return fields_->matches(k); })) continue;
      if (!text::is_metric_name_suffix(key)) {
        out.parse_errors(1);
        continue;
      }
      name.assign("node_netstat_").append(key);
      help.assign("Statistic ").append(protocol).append(v.name).append(".");
      out.untyped(name, help, {}, v.value);
    }
  }
  return core::ok();
}

std::unique_ptr<Collector> make_netstat(const CollectorContext& ctx) {
  return std::make_unique<NetstatCollector>(ctx.paths, ctx.options.netstat);
}

}  // namespace sonde::collectors
