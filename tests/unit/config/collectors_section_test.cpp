#include "config/collectors_section.hpp"

#include <catch2/catch.hpp>

#include "config/loader.hpp"
#include "read_errors.hpp"
#include "support/test_support.hpp"

using namespace sonde;

namespace {

std::vector<std::string> error_lines(const config::LoadResult& r) { return r.errors.lines(); }

using test::Lines;
using test::read_errors;

TEST_CASE("issue 14's collector options load, with errors at their line", "[config]") {
  const auto r = config::load_string(
      "collectors:\n"
      "  cpu: {info: true, flags_include: '^(aes|avx.?)$'}\n"
      "  netstat: {fields: '^Tcp_'}\n"
      "  arp: {device_exclude: nope, interval: 2s}\n"
      "  textfile: {directory: '/var/lib/node-exporter/*'}\n"
      "  schedstat: {enabled: false}\n"
      "  ipvs: {backend_labels: 'local_port,,local_address'}\n"
      "  zfs: {interval: 30s}\n",
      "sonde.yaml");
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  CHECK(r.config.collectors.ipvs.backend_labels == "local_port,,local_address");
  CHECK(r.config.collectors.zfs.interval.count() == 30000);
  CHECK(config::load_string("collectors: {ipvs: {backend_labels: ''}}\n", "sonde.yaml").ok());
  CHECK(collectors::CollectorsOptions{}.ipvs.backend_labels ==
        "local_address,local_port,remote_address,remote_port,proto,local_mark");
  CHECK(r.config.collectors.cpu.info);
  CHECK(r.config.collectors.cpu.flags_include == "^(aes|avx.?)$");
  CHECK(r.config.collectors.netstat.fields == "^Tcp_");
  CHECK(r.config.collectors.arp.device_exclude == "nope");
  CHECK(r.config.collectors.arp.interval.count() == 2000);
  CHECK(r.config.collectors.textfile.directory == "/var/lib/node-exporter/*");
  CHECK_FALSE(r.config.collectors.schedstat.enabled);

  const auto bad = config::load_string(
      "collectors:\n"
      "  netstat: {fields: '(a)\\1'}\n"
      "  arp: {device_include: a, device_exclude: b}\n"
      "  textfile: {directory: relative/dir}\n"
      "  sockstat: {fields: x}\n"
      "  ipvs: {backend_labels: 'local_port,remote'}\n",
      "sonde.yaml");
  CHECK(error_lines(bad) ==
        std::vector<std::string>{
            R"(sonde.yaml:2:21: collectors.netstat.fields: invalid regular expression "(a)\\1": )"
            R"(invalid escape sequence: \1)",
            "sonde.yaml:3:25: collectors.arp.device_include: device_include and device_exclude "
            "are mutually exclusive; set one of them",
            R"(sonde.yaml:4:25: collectors.textfile.directory: must be an absolute path (or )"
            R"(empty), got "relative/dir")",
            R"(sonde.yaml:5:14: collectors.sockstat: unknown key "fields"; expected one of: )"
            "enabled, interval",
            R"(sonde.yaml:6:26: collectors.ipvs.backend_labels: unknown entries "remote"; )"
            "expected a comma-separated list of: local_address, local_port, remote_address, "
            "remote_port, proto, local_mark"});
}

TEST_CASE("issue 15's sysfs collector options (part B) load, with errors at their line",
          "[config]") {
  const auto r = config::load_string(
      "collectors:\n"
      "  bcache: {priority_stats: true}\n"
      "  tapestats: {device_exclude: '^st1$', interval: 10s}\n"
      "  xfs: {enabled: false}\n",
      "sonde.yaml");
  REQUIRE(error_lines(r) == std::vector<std::string>{});
  CHECK(r.config.collectors.bcache.priority_stats);
  CHECK(r.config.collectors.tapestats.device_exclude == "^st1$");
  CHECK(r.config.collectors.tapestats.interval.count() == 10000);
  CHECK_FALSE(r.config.collectors.xfs.enabled);
  // node_exporter 1.5's defaults.
  const collectors::CollectorsOptions defaults;
  CHECK_FALSE(defaults.bcache.priority_stats);
  CHECK(defaults.tapestats.device_exclude == "^$");
  for (const auto* o : {&defaults.bonding, &defaults.btrfs, &defaults.fibrechannel,
                        &defaults.infiniband, &defaults.nvme, &defaults.xfs}) {
    CHECK(o->enabled);
  }

  const auto bad = config::load_string(
      "collectors:\n"
      "  bcache: {priority_stats: maybe}\n"
      "  tapestats: {device_exclude: '(st'}\n"
      "  nvme: {device_exclude: x}\n",
      "sonde.yaml");
  const auto lines = error_lines(bad);
  REQUIRE(lines.size() == 3);
  CHECK_THAT(lines[0], Catch::StartsWith("sonde.yaml:2:28: collectors.bcache.priority_stats: "));
  CHECK_THAT(lines[1], Catch::StartsWith("sonde.yaml:3:31: collectors.tapestats.device_exclude: "
                                         "invalid regular expression"));
  CHECK(lines[2] == R"(sonde.yaml:4:10: collectors.nvme: unknown key "device_exclude"; )"
                    "expected one of: enabled, interval");
}

TEST_CASE("read_collectors: an unknown collector, a section that is not a map", "[config]") {
  collectors::CollectorsOptions o;
  const auto lines = read_errors("cpux: {}\nmeminfo: [1]\nloadavg: {interval: 3s}\n",
                                 [&](config::Reader& r, const YAML::Node& n) {
                                   config::read_collectors(r, n, "collectors", o);
                                 });
  REQUIRE(lines.size() == 2);
  CHECK_THAT(lines[0], Catch::StartsWith("f.yaml:1:1: collectors: unknown key \"cpux\"; expected "
                                         "one of: "));
  CHECK(lines[1] == "f.yaml:2:10: collectors.meminfo: expected a map, got a list");
  CHECK(o.loadavg.interval.count() == 3000);
}

TEST_CASE("read_collectors: an include alone clears the exclude's default", "[config]") {
  collectors::CollectorsOptions o;
  REQUIRE_FALSE(o.diskstats.device_exclude.empty());
  REQUIRE(read_errors("diskstats: {device_include: '^st0$'}\n", [&](config::Reader& r,
                                                                    const YAML::Node& n) {
            config::read_collectors(r, n, "collectors", o);
          }).empty());
  CHECK(o.diskstats.device_include == "^st0$");
  CHECK(o.diskstats.device_exclude.empty());
}

}  // namespace
