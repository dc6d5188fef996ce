// Plain option structs for every module. lib/config fills them from YAML (and validates them);
// daemon/ hands each module its own struct by value. Defaults here are the embedded defaults.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "core/host_paths.hpp"
#include "core/options_gpu.hpp"
#include "core/options_ingest.hpp"

namespace sonde::core {

using Millis = std::chrono::milliseconds;

struct WebOptions {
  std::string listen_address = "127.0.0.1:9477";  // HOST:PORT; [v6]:PORT; port 0 = ephemeral
  std::uint32_t max_connections = 64;
  std::uint32_t max_header_bytes = 8192;
  Millis read_timeout{10'000};   // whole request must arrive within this
  Millis idle_timeout{60'000};   // keep-alive: idle connection closed after this
  Millis write_timeout{30'000};  // a response not taken by the client within this: dropped
};

enum class LogLevel { debug, info, warn, error };
enum class LogFormat { text, json };

struct LogOptions {
  LogLevel level = LogLevel::info;
  LogFormat format = LogFormat::text;
};

/// What every collector has.
struct CollectorOptions {
  bool enabled = true;
  Millis interval{5'000};
};

struct CpuOptions : CollectorOptions {
  bool guest = true;  // node_cpu_guest_seconds_total, as node_exporter's --collector.cpu.guest
  bool info = false;  // node_cpu_info from /proc/cpuinfo, as --collector.cpu.info
  std::string flags_include;  // regex (RE2, unanchored) of flags for node_cpu_flag_info
  std::string bugs_include;   // regex (RE2, unanchored) of bugs for node_cpu_bug_info
};

struct StatOptions : CollectorOptions {
  bool softirq = false;  // node_softirqs_total{vector}, off by default as in node_exporter
};

/// node_exporter 1.5's default --collector.vmstat.fields.
inline constexpr const char* kVmstatDefaultFields = "^(oom_kill|pgpg|pswp|pg.*fault).*";

struct VmstatOptions : CollectorOptions {
  std::string fields = kVmstatDefaultFields;  // regex over /proc/vmstat field names
};

}  // namespace sonde::core

#include "core/options_host.hpp"  // IWYU pragma: export (needs CollectorOptions above)

namespace sonde::core {

struct CollectorsOptions {
  CpuOptions cpu;
  CollectorOptions meminfo;
  CollectorOptions loadavg;
  StatOptions stat;
  VmstatOptions vmstat;
  CollectorOptions uname;
  CollectorOptions time;
  CollectorOptions self;  // process_* and sonde_build_info, read from this process's own /proc
  DiskstatsOptions diskstats;
  NetdevOptions netdev;
  FilesystemOptions filesystem;
  CollectorOptions pressure;
  NetstatOptions netstat;
  CollectorOptions sockstat;
  CollectorOptions filefd;
  CollectorOptions entropy;
  CollectorOptions conntrack;
  CollectorOptions softnet;
  CollectorOptions udp_queues;
  ArpOptions arp;
  CollectorOptions schedstat;
  TextfileOptions textfile;
};

struct Config {
  WebOptions web;
  LogOptions log;
  HostPaths host;
  CollectorsOptions collectors;
  IngestOptions ingest;
  GpuOptions gpu;
};

}  // namespace sonde::core
