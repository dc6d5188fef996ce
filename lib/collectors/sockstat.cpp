#include "collectors/sockstat.hpp"

#include <unistd.h>

#include <charconv>
#include <string>

#include "collectors/proc_file.hpp"
#include "collectors/text_fields.hpp"

namespace sonde::collectors {

namespace {

std::optional<std::int64_t> parse_i64(std::string_view s) {
  if (s.size() > 1 && s.front() == '+') s.remove_prefix(1);
  std::int64_t v = 0;
  const char* const end = s.data() + s.size();
  const auto [ptr, ec] = std::from_chars(s.data(), end, v);
  if (s.empty() || ec != std::errc() || ptr != end) return std::nullopt;
  return v;
}

std::string excerpt(std::string_view line) { return "\"" + std::string(line.substr(0, 60)) + "\""; }

}  // namespace

// Format (net/ipv4/proc.c sockstat_seq_show, net/ipv6/proc.c sockstat6_seq_show): "sockets: used
// 229", then one line per protocol of space-separated key/value pairs.
core::Result<Sockstat> parse_sockstat(std::string_view text) {
  Sockstat out;
  std::optional<core::Error> err;
  core::for_each_line(text, [&](std::string_view line) {
    if (err) return;
    std::vector<std::string_view> fields;
    for (std::string_view rest = line;;) {  // strings.Split(line, " ")
      const auto sp = rest.find(' ');
      fields.push_back(rest.substr(0, sp));
      if (sp == std::string_view::npos) break;
      rest.remove_prefix(sp + 1);
    }
    if (fields.size() < 3) {
      err = core::error("sockstat: malformed line " + excerpt(line));
      return;
    }
    if ((fields.size() - 1) % 2 != 0) {
      err = core::error("sockstat: odd number of key/value fields in " + excerpt(line));
      return;
    }
    std::string_view proto = fields[0];
    if (!proto.empty() && proto.back() == ':') proto.remove_suffix(1);
    SockstatProtocol p;
    p.protocol = proto;
    std::optional<std::int64_t> used;
    for (std::size_t i = 1; i + 1 < fields.size(); i += 2) {
      const auto v = parse_i64(fields[i + 1]);
      if (!v) {
        err = core::error("sockstat: invalid value in " + excerpt(line));
        return;
      }
      const std::string_view k = fields[i];
      if (k == "inuse") p.inuse = *v;
      if (k == "orphan") p.orphan = *v;
      if (k == "tw") p.tw = *v;
      if (k == "alloc") p.alloc = *v;
      if (k == "mem") p.mem = *v;
      if (k == "memory") p.memory = *v;
      if (k == "used") used = *v;
    }
    if (proto == "sockets") {
      out.used = used.value_or(0);
      return;
    }
    for (const SockstatProtocol& e : out.protocols) {
      if (e.protocol == proto) return;
    }
    out.protocols.push_back(p);
  });
  if (err) return *err;
  return out;
}

namespace {

void publish(core::SampleSink& out, const Sockstat& s, bool ipv6) {
  if (!ipv6 && s.used) {
    out.gauge("node_sockstat_sockets_used", "Number of IPv4 sockets in use.", {},
              static_cast<double>(*s.used));
  }
  static const std::int64_t page_size = ::sysconf(_SC_PAGESIZE);
  std::string name;
  std::string help;
  for (const SockstatProtocol& p : s.protocols) {
    if (!text::is_metric_name_suffix(p.protocol)) {
      out.parse_errors(1);
      continue;
    }
    const auto emit = [&](std::string_view state, std::optional<std::int64_t> v) {
      if (!v) return;
      name.assign("node_sockstat_").append(p.protocol).append("_").append(state);
      help.assign("Number of ")
          .append(p.protocol)
          .append(" sockets in state ")
          .append(state)
          .append(".");
      out.gauge(name, help, {}, static_cast<double>(*v));
    };
    emit("inuse", p.inuse);
    emit("orphan", p.orphan);
    emit("tw", p.tw);
    emit("alloc", p.alloc);
    emit("mem", p.mem);
    emit("memory", p.memory);
    // The mem field counts pages.
    if (p.mem) emit("mem_bytes", *p.mem * page_size);
  }
}

}  // namespace

core::Status SockstatCollector::collect(core::SampleSink& out) {
  // Either file is absent on a kernel without IPv4 or IPv6: the other is still published.
  const std::pair<const char*, bool> files[] = {{"sockstat", false}, {"sockstat6", true}};
  for (const auto& [file, ipv6] : files) {
    const auto path = paths_.proc / "net" / file;
    auto text = read_if_present(path);
    if (!text) return text.status();
    if (!*text) continue;
    auto s = parse_sockstat(**text);
    if (!s) return core::error(s.message() + " in " + path.string());
    publish(out, *s, ipv6);
  }
  return core::ok();
}

std::unique_ptr<Collector> make_sockstat(const CollectorContext& ctx) {
  return std::make_unique<SockstatCollector>(ctx.paths);
}

}  // namespace sonde::collectors
