#include <string>
#include <vector>

#include "collector_test_util.hpp"

namespace sonde::collectors {
namespace {

TEST_CASE("builtin_collectors lists every collector once, in order", "[collectors][registry]") {
  std::vector<std::string> names;
  for (const CollectorInfo& info : builtin_collectors()) names.emplace_back(info.name);
  std::vector<std::string> expected{
      "cpu",      "meminfo",   "loadavg",    "stat",    "vmstat",     "uname",   "time",
      "self",     "diskstats", "filesystem", "netdev",  "pressure",   "netstat", "sockstat",
      "filefd",   "entropy",   "conntrack",  "softnet", "udp_queues", "arp",     "schedstat",
      "textfile", "timex",     "mdadm",      "nfs",     "nfsd",       "ipvs",    "zfs"};
  // Issue 15, parts A and B.
  for (const char* n : {"cpufreq", "dmi", "edac", "hwmon", "netclass", "os", "powersupplyclass",
                        "rapl", "selinux", "thermal_zone", "bcache", "bonding", "btrfs",
                        "fibrechannel", "infiniband", "nvme", "tapestats", "xfs"}) {
    expected.emplace_back(n);
  }
  CHECK(names == expected);
}

TEST_CASE("builtin factories build collectors named after their entry", "[collectors][registry]") {
  collectors::CollectorsOptions options;
  const CollectorContext ctx{options, core::HostPaths::under(test::ne_fixture()),
                             core::SystemClock::instance()};
  for (const CollectorInfo& info : builtin_collectors()) {
    INFO(info.name);
    const auto c = info.make(ctx);
    REQUIRE(c);
    CHECK(c->name() == info.name);
    test::RecordingSink sink;
    // node_exporter's fixture has no proc/net/dev (its e2e test reads netdev over netlink).
    CHECK(c->collect(sink).ok() == (info.name != "netdev"));
    CHECK(sink.errors == 0);
    // Only time computes a part when a reader asks.
    CHECK(static_cast<bool>(c->live_source()) == (info.name == "time"));
  }
}

TEST_CASE("builtin settings point at each collector's own options", "[collectors][registry]") {
  collectors::CollectorsOptions options;
  std::vector<const collectors::CollectorOptions*> expected = {
      &options.cpu,       &options.meminfo,    &options.loadavg,    &options.stat,
      &options.vmstat,    &options.uname,      &options.time,       &options.self,
      &options.diskstats, &options.filesystem, &options.netdev,     &options.pressure,
      &options.netstat,   &options.sockstat,   &options.filefd,     &options.entropy,
      &options.conntrack, &options.softnet,    &options.udp_queues, &options.arp,
      &options.schedstat, &options.textfile,   &options.timex,      &options.mdadm,
      &options.nfs,       &options.nfsd,       &options.ipvs,       &options.zfs,
  };
  // Issue 15, part A.
  expected.insert(expected.end(), {&options.cpufreq, &options.dmi, &options.edac, &options.hwmon,
                                   &options.netclass, &options.os, &options.powersupplyclass,
                                   &options.rapl, &options.selinux, &options.thermal_zone});
  // Issue 15, sysfs part B.
  for (const collectors::CollectorOptions* o : std::initializer_list<const CollectorOptions*>{
           &options.bcache, &options.bonding, &options.btrfs, &options.fibrechannel,
           &options.infiniband, &options.nvme, &options.tapestats, &options.xfs}) {
    expected.push_back(o);
  }
  const auto list = builtin_collectors();
  REQUIRE(list.size() == expected.size());
  for (std::size_t i = 0; i < list.size(); ++i) {
    INFO(list[i].name);
    CHECK(&list[i].settings(options) == expected[i]);
  }
}

TEST_CASE("builtin factories pass the options through", "[collectors][registry]") {
  collectors::CollectorsOptions options;
  options.cpu.guest = false;
  options.stat.softirq = true;
  options.vmstat.fields = "^nr_free_pages$";
  const CollectorContext ctx{options, core::HostPaths::under(test::ne_fixture()),
                             core::SystemClock::instance()};
  const auto list = builtin_collectors();
  test::RecordingSink cpu, stat, vmstat;
  REQUIRE(list[0].make(ctx)->collect(cpu).ok());
  REQUIRE(list[3].make(ctx)->collect(stat).ok());
  REQUIRE(list[4].make(ctx)->collect(vmstat).ok());
  CHECK(cpu.count_family("node_cpu_guest_seconds_total") == 0);
  CHECK(stat.count_family("node_softirqs_total") == 10);
  CHECK(vmstat.samples.size() == 1);
}

}  // namespace
}  // namespace sonde::collectors
