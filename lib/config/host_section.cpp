#include "config/host_section.hpp"

#include "core/regex.hpp"

namespace sonde::config {
namespace {

using namespace std::chrono_literals;

// As loader.cpp's kMinCollectorInterval: shorter timers would make a collector a busy loop.
constexpr core::Millis kMinInterval = 1s;
// statfs deadline: long enough for a healthy NFS server across a WAN, short enough that a
// collect on a host with a hung mount still finishes well inside any sensible interval.
constexpr core::Millis kMinStatfsTimeout = 10ms;
constexpr core::Millis kMaxStatfsTimeout = 60s;

void read_common(Reader& r, const YAML::Node& n, const std::string& p,
                 core::CollectorOptions& out) {
  r.boolean(n, p, "enabled", out.enabled);
  r.duration(n, p, "interval", out.interval, kMinInterval);
}

/// node_exporter's device-include / device-exclude pair: at most one may be set.
void read_device_filter(Reader& r, const YAML::Node& n, const std::string& p, std::string& include,
                        std::string& exclude) {
  r.regex(n, p, "device_include", include);
  r.regex(n, p, "device_exclude", exclude);
  if (!include.empty() && !exclude.empty()) {
    r.fail(r.child(n, "device_include"), join(p, "device_include"),
           "device_include and device_exclude are mutually exclusive; set one of them");
  }
}

}  // namespace

void read_re2_option(Reader& r, const YAML::Node& n, const std::string& p, std::string_view key,
                     std::string& out) {
  r.regex(n, p, key, out);
  if (out.empty()) return;
  // The collectors match with core::Regex (RE2, unanchored as Go's MatchString).
  auto re = core::Regex::compile(out, core::Regex::Anchor::none);
  if (!re) r.fail(r.child(n, key), join(p, key), "RE2 rejects it: " + re.message());
}

namespace {

void read_diskstats(Reader& r, const YAML::Node& n, const std::string& p,
                    core::DiskstatsOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "device_include", "device_exclude"})) return;
  read_common(r, n, p, out);
  // Setting device_include alone replaces the default exclusion, as in node_exporter.
  const YAML::Node inc = r.child(n, "device_include");
  const YAML::Node exc = r.child(n, "device_exclude");
  if (inc.IsDefined() && !inc.IsNull() && !(exc.IsDefined() && !exc.IsNull())) {
    out.device_exclude.clear();
  }
  read_device_filter(r, n, p, out.device_include, out.device_exclude);
}

void read_netdev(Reader& r, const YAML::Node& n, const std::string& p, core::NetdevOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "device_include", "device_exclude"})) return;
  read_common(r, n, p, out);
  read_device_filter(r, n, p, out.device_include, out.device_exclude);
}

void read_filesystem(Reader& r, const YAML::Node& n, const std::string& p,
                     core::FilesystemOptions& out) {
  if (!r.only_keys(
          n, p,
          {"enabled", "interval", "mount_points_exclude", "fs_types_exclude", "statfs_timeout"})) {
    return;
  }
  read_common(r, n, p, out);
  r.regex(n, p, "mount_points_exclude", out.mount_points_exclude);
  r.regex(n, p, "fs_types_exclude", out.fs_types_exclude);
  core::Millis timeout = out.statfs_timeout;
  r.duration(n, p, "statfs_timeout", timeout, kMinStatfsTimeout);
  if (timeout > kMaxStatfsTimeout) {
    r.fail(r.child(n, "statfs_timeout"), join(p, "statfs_timeout"),
           "must be at most " + format_duration(kMaxStatfsTimeout) + ", got " +
               format_duration(timeout));
  } else {
    out.statfs_timeout = timeout;
  }
}

void read_netstat(Reader& r, const YAML::Node& n, const std::string& p, core::NetstatOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "fields"})) return;
  read_common(r, n, p, out);
  read_re2_option(r, n, p, "fields", out.fields);
}

void read_arp(Reader& r, const YAML::Node& n, const std::string& p, core::ArpOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "device_include", "device_exclude"})) return;
  read_common(r, n, p, out);
  read_device_filter(r, n, p, out.device_include, out.device_exclude);
}

void read_textfile(Reader& r, const YAML::Node& n, const std::string& p,
                   core::TextfileOptions& out) {
  if (!r.only_keys(n, p, {"enabled", "interval", "directory"})) return;
  read_common(r, n, p, out);
  if (auto t = r.string(n, p, "directory")) {
    // Absolute (or empty = off): the daemon's working directory is not a stable anchor. Glob
    // characters are allowed, as in node_exporter 1.5.
    if (!t->value.empty() && t->value.front() != '/') {
      r.fail(t->node, join(p, "directory"),
             "must be an absolute path (or empty), got \"" + t->value + "\"");
    } else {
      out.directory = t->value;
    }
  }
}

void read_plain(Reader& r, const YAML::Node& n, const std::string& p, core::CollectorOptions& out) {
  if (r.only_keys(n, p, {"enabled", "interval"})) read_common(r, n, p, out);
}

}  // namespace

void read_host_collectors(Reader& r, const YAML::Node& n, const std::string& p,
                          core::CollectorsOptions& out) {
  read_diskstats(r, r.child(n, "diskstats"), join(p, "diskstats"), out.diskstats);
  read_netdev(r, r.child(n, "netdev"), join(p, "netdev"), out.netdev);
  read_filesystem(r, r.child(n, "filesystem"), join(p, "filesystem"), out.filesystem);
  read_plain(r, r.child(n, "pressure"), join(p, "pressure"), out.pressure);
  read_netstat(r, r.child(n, "netstat"), join(p, "netstat"), out.netstat);
  read_arp(r, r.child(n, "arp"), join(p, "arp"), out.arp);
  const auto plain = [&](std::string_view name, core::CollectorOptions& o) {
    read_plain(r, r.child(n, name), join(p, name), o);
  };
  plain("sockstat", out.sockstat);
  plain("filefd", out.filefd);
  plain("entropy", out.entropy);
  plain("conntrack", out.conntrack);
  plain("softnet", out.softnet);
  plain("udp_queues", out.udp_queues);
  plain("schedstat", out.schedstat);
  read_textfile(r, r.child(n, "textfile"), join(p, "textfile"), out.textfile);
}

}  // namespace sonde::config
