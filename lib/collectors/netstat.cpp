#include "collectors/netstat.hpp"

#include <algorithm>
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
void set_value(std::vector<NetstatValue>& values, std::string_view name, double v,
               std::uint32_t index) {
  for (NetstatValue& e : values) {
    if (e.name == name) {
      e.value = v;
      e.index = index;
      return;
    }
  }
  values.push_back({name, v, index});
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
  std::uint32_t base = 0;  // value fields of the pairs before this one
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
      set_value(p.values, names[k], *v, base + static_cast<std::uint32_t>(k - 1));
    }
    base += static_cast<std::uint32_t>(names.size() - 1);
    set_protocol(out, std::move(p));
  }
  return out;
}

// Format (net/ipv6/proc.c, snmp6_seq_show): one "Ip6InReceives<spaces>123" line per counter.
core::Result<std::vector<NetstatProtocol>> parse_snmp6(std::string_view text) {
  std::vector<NetstatProtocol> out;
  std::optional<core::Error> err;
  std::uint32_t index = 0;  // the line's
  core::for_each_line(text, [&](std::string_view line) {
    const std::uint32_t at = index++;
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
    set_value(p->values, name.substr(six + 1), *v, at);
  });
  if (err) return *err;
  return out;
}

void shape_netstat(std::string_view text, NetstatShape& out) {
  out.names.clear();
  out.values.clear();
  out.ok = true;
  bool header = true;
  std::size_t expected = 0;  // the header's fields after "Proto:"
  core::for_each_line(text, [&](std::string_view line) {
    if (header) {
      out.names.append(line).push_back('\n');
      if (line.empty() || line[0] == ' ') out.ok = false;
      expected = static_cast<std::size_t>(std::count(line.begin(), line.end(), ' '));
    } else {
      std::size_t fields = 0;
      auto sp = line.find(' ');
      while (sp != std::string_view::npos) {
        line.remove_prefix(sp + 1);
        sp = line.find(' ');
        out.values.push_back(line.substr(0, sp));
        ++fields;
      }
      if (fields != expected) out.ok = false;
    }
    header = !header;
  });
  if (!header) out.ok = false;  // a header without its value line
}

void shape_snmp6(std::string_view text, NetstatShape& out) {
  out.names.clear();
  out.values.clear();
  out.ok = true;
  core::for_each_line(text, [&](std::string_view line) {
    out.names.append(text::next_field(line)).push_back('\n');
    out.values.push_back(text::next_field(line));
  });
}

NetstatCollector::NetstatCollector(core::HostPaths paths, const collectors::NetstatOptions& options)
    : paths_(std::move(paths)),
      fields_(core::Regex::compile(options.fields, core::Regex::Anchor::none)) {}

bool NetstatCollector::emit_planned(core::SampleSink& out) const {
  if (!plan_.valid) return false;
  for (int i = 0; i < 3; ++i) {
    if (present_[i] != plan_.present[i]) return false;
    if (!present_[i]) continue;
    if (!shapes_[i].ok || shapes_[i].names != plan_.names[i]) return false;
    // Every value, picked or not, as the parser would check it (snmp6's lines without one are
    // skipped there): anything but an integer goes the parser's way, to its error or its value.
    for (const std::string_view v : shapes_[i].values) {
      if (!text::is_decimal_integer(v) && !(i == 2 && v.empty())) return false;
    }
  }
  for (const Pick& p : plan_.picks) {
    if (p.index >= shapes_[p.file].values.size()) return false;  // the names rule it out
  }
  for (const Pick& p : plan_.picks) {
    const auto v = text::parse_go_float(shapes_[p.file].values[p.index]);
    out.untyped(p.name, p.help, {}, v.value_or(0));
  }
  if (plan_.bad_names > 0) out.parse_errors(plan_.bad_names);
  return true;
}

core::Status NetstatCollector::collect(core::SampleSink& out) {
  if (!fields_) return core::error("netstat.fields: " + fields_.message());
  // Every file may be absent (a kernel without IPv6 has no snmp6; a container may hide all of
  // them): what exists is published.
  const char* const files[] = {"netstat", "snmp", "snmp6"};
  for (int i = 0; i < 3; ++i) {
    auto text = read_if_present(paths_.proc / "net" / files[i]);
    if (!text) return text.status();
    present_[i] = text->has_value();
    if (!present_[i]) continue;
    texts_[i] = std::move(**text);
    if (i == 2) {
      shape_snmp6(texts_[i], shapes_[i]);
    } else {
      shape_netstat(texts_[i], shapes_[i]);
    }
  }
  if (emit_planned(out)) return core::ok();

  plan_.valid = false;
  plan_.picks.clear();
  plan_.bad_names = 0;
  std::vector<NetstatProtocol> parsed[3];
  // node_exporter merges snmp into netstat and snmp6 into both, a protocol at a time.
  std::map<std::string_view, std::pair<std::uint8_t, const NetstatProtocol*>> merged;
  for (int i = 0; i < 3; ++i) {
    if (!present_[i]) continue;
    auto p = i == 2 ? parse_snmp6(texts_[i]) : parse_netstat(texts_[i]);
    if (!p) return core::error(p.message() + " in " + (paths_.proc / "net" / files[i]).string());
    parsed[i] = std::move(*p);
    for (const NetstatProtocol& proto : parsed[i]) {
      merged.insert_or_assign(proto.protocol, std::pair{static_cast<std::uint8_t>(i), &proto});
    }
  }
  std::string key;
  for (const auto& [protocol, from] : merged) {
    for (const NetstatValue& v : from.second->values) {
      key.assign(protocol).append("_").append(v.name);
      if (!memo_.get(key, [&](std::string_view k) { return fields_->matches(k); })) continue;
      if (!text::is_metric_name_suffix(key)) {
        ++plan_.bad_names;
        continue;
      }
      Pick pick{from.first, v.index, "node_netstat_" + key,
                "Statistic " + std::string(protocol) + std::string(v.name) + "."};
      out.untyped(pick.name, pick.help, {}, v.value);
      plan_.picks.push_back(std::move(pick));
    }
  }
  if (plan_.bad_names > 0) out.parse_errors(plan_.bad_names);
  for (int i = 0; i < 3; ++i) {
    plan_.present[i] = present_[i];
    plan_.names[i] = present_[i] ? shapes_[i].names : std::string();
  }
  plan_.valid = true;
  return core::ok();
}

std::unique_ptr<Collector> make_netstat(const CollectorContext& ctx) {
  return std::make_unique<NetstatCollector>(ctx.paths, ctx.options.netstat);
}

}  // namespace sonde::collectors
