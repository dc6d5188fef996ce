// The one list of built-in collectors. An explicit list rather than self-registering statics:
// the linker drops those from a static library when nothing references them.
#include "collectors/collector.hpp"
#include "collectors/cpu.hpp"
#include "collectors/diskstats.hpp"
#include "collectors/filesystem.hpp"
#include "collectors/loadavg.hpp"
#include "collectors/meminfo.hpp"
#include "collectors/netdev.hpp"
#include "collectors/pressure.hpp"
#include "collectors/self.hpp"
#include "collectors/stat.hpp"
#include "collectors/time.hpp"
#include "collectors/uname.hpp"
#include "collectors/vmstat.hpp"

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
};

}  // namespace

std::span<const CollectorInfo> builtin_collectors() { return kBuiltin; }

}  // namespace sonde::collectors
