// The one list of built-in collectors. An explicit list rather than self-registering statics:
// the linker drops those from a static library when nothing references them.
#include "collectors/arp.hpp"
#include "collectors/bcache.hpp"
#include "collectors/bonding.hpp"
#include "collectors/btrfs.hpp"
#include "collectors/collector.hpp"
#include "collectors/conntrack.hpp"
#include "collectors/cpu.hpp"
#include "collectors/diskstats.hpp"
#include "collectors/entropy.hpp"
#include "collectors/fibrechannel.hpp"
#include "collectors/filefd.hpp"
#include "collectors/filesystem.hpp"
#include "collectors/infiniband.hpp"
#include "collectors/ipvs.hpp"
#include "collectors/loadavg.hpp"
#include "collectors/mdadm.hpp"
#include "collectors/meminfo.hpp"
#include "collectors/netdev.hpp"
#include "collectors/netstat.hpp"
#include "collectors/nfs.hpp"
#include "collectors/nfsd.hpp"
#include "collectors/nvme.hpp"
#include "collectors/pressure.hpp"
#include "collectors/schedstat.hpp"
#include "collectors/self.hpp"
#include "collectors/sockstat.hpp"
#include "collectors/softnet.hpp"
#include "collectors/stat.hpp"
#include "collectors/tapestats.hpp"
#include "collectors/textfile.hpp"
#include "collectors/time.hpp"
#include "collectors/timex.hpp"
#include "collectors/udp_queues.hpp"
#include "collectors/uname.hpp"
#include "collectors/vmstat.hpp"
#include "collectors/xfs.hpp"
#include "collectors/zfs.hpp"
// Issue 15, part A.
#include "collectors/cpufreq.hpp"
#include "collectors/dmi.hpp"
#include "collectors/edac.hpp"
#include "collectors/hwmon.hpp"
#include "collectors/netclass.hpp"
#include "collectors/os_release.hpp"
#include "collectors/powersupplyclass.hpp"
#include "collectors/rapl.hpp"
#include "collectors/selinux.hpp"
#include "collectors/thermal_zone.hpp"

namespace sonde::collectors {

namespace {

using Opts = collectors::CollectorsOptions;
using Settings = const collectors::CollectorOptions&;

constexpr CollectorInfo kBuiltin[] = {
    {"cpu", &make_cpu, [](const Opts& o) -> Settings { return o.cpu; }},
    {"meminfo", &make_meminfo, [](const Opts& o) -> Settings { return o.meminfo; }},
    {"loadavg", &make_loadavg, [](const Opts& o) -> Settings { return o.loadavg; }},
    {"stat", &make_stat, [](const Opts& o) -> Settings { return o.stat; }},
    {"vmstat", &make_vmstat, [](const Opts& o) -> Settings { return o.vmstat; }},
    {"uname", &make_uname, [](const Opts& o) -> Settings { return o.uname; }},
    {"time", &make_time, [](const Opts& o) -> Settings { return o.time; }},
    {"self", &make_self, [](const Opts& o) -> Settings { return o.self; }},
    {"diskstats", &make_diskstats, [](const Opts& o) -> Settings { return o.diskstats; }},
    {"filesystem", &make_filesystem, [](const Opts& o) -> Settings { return o.filesystem; }},
    {"netdev", &make_netdev, [](const Opts& o) -> Settings { return o.netdev; }},
    {"pressure", &make_pressure, [](const Opts& o) -> Settings { return o.pressure; }},
    {"netstat", &make_netstat, [](const Opts& o) -> Settings { return o.netstat; }},
    {"sockstat", &make_sockstat, [](const Opts& o) -> Settings { return o.sockstat; }},
    {"filefd", &make_filefd, [](const Opts& o) -> Settings { return o.filefd; }},
    {"entropy", &make_entropy, [](const Opts& o) -> Settings { return o.entropy; }},
    {"conntrack", &make_conntrack, [](const Opts& o) -> Settings { return o.conntrack; }},
    {"softnet", &make_softnet, [](const Opts& o) -> Settings { return o.softnet; }},
    {"udp_queues", &make_udp_queues, [](const Opts& o) -> Settings { return o.udp_queues; }},
    {"arp", &make_arp, [](const Opts& o) -> Settings { return o.arp; }},
    {"schedstat", &make_schedstat, [](const Opts& o) -> Settings { return o.schedstat; }},
    {"textfile", &make_textfile, [](const Opts& o) -> Settings { return o.textfile; }},
    {"timex", &make_timex, [](const Opts& o) -> Settings { return o.timex; }},
    {"mdadm", &make_mdadm, [](const Opts& o) -> Settings { return o.mdadm; }},
    {"nfs", &make_nfs, [](const Opts& o) -> Settings { return o.nfs; }},
    {"nfsd", &make_nfsd, [](const Opts& o) -> Settings { return o.nfsd; }},
    {"ipvs", &make_ipvs, [](const Opts& o) -> Settings { return o.ipvs; }},
    {"zfs", &make_zfs, [](const Opts& o) -> Settings { return o.zfs; }},
    // Issue 15, part A.
    {"cpufreq", &make_cpufreq, [](const Opts& o) -> Settings { return o.cpufreq; }},
    {"dmi", &make_dmi, [](const Opts& o) -> Settings { return o.dmi; }},
    {"edac", &make_edac, [](const Opts& o) -> Settings { return o.edac; }},
    {"hwmon", &make_hwmon, [](const Opts& o) -> Settings { return o.hwmon; }},
    {"netclass", &make_netclass, [](const Opts& o) -> Settings { return o.netclass; }},
    {"os", &make_os, [](const Opts& o) -> Settings { return o.os; }},
    {"powersupplyclass", &make_powersupplyclass,
     [](const Opts& o) -> Settings { return o.powersupplyclass; }},
    {"rapl", &make_rapl, [](const Opts& o) -> Settings { return o.rapl; }},
    {"selinux", &make_selinux, [](const Opts& o) -> Settings { return o.selinux; }},
    {"thermal_zone", &make_thermal_zone, [](const Opts& o) -> Settings { return o.thermal_zone; }},
    // issue 15, sysfs part B
    {"bcache", &make_bcache, [](const Opts& o) -> Settings { return o.bcache; }},
    {"bonding", &make_bonding, [](const Opts& o) -> Settings { return o.bonding; }},
    {"btrfs", &make_btrfs, [](const Opts& o) -> Settings { return o.btrfs; }},
    {"fibrechannel", &make_fibrechannel, [](const Opts& o) -> Settings { return o.fibrechannel; }},
    {"infiniband", &make_infiniband, [](const Opts& o) -> Settings { return o.infiniband; }},
    {"nvme", &make_nvme, [](const Opts& o) -> Settings { return o.nvme; }},
    {"tapestats", &make_tapestats, [](const Opts& o) -> Settings { return o.tapestats; }},
    {"xfs", &make_xfs, [](const Opts& o) -> Settings { return o.xfs; }},
};

}  // namespace

std::span<const CollectorInfo> builtin_collectors() { return kBuiltin; }

}  // namespace sonde::collectors
