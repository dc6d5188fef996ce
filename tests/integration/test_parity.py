"""Live parity with node_exporter 1.5 (Debian's prometheus-node-exporter) on this host.

sonde (every collector at a 1s interval) and node_exporter (the same collectors, on an ephemeral
port) run side by side on the real /proc, /sys and mounts, and:

- every node_* family sonde emits exists in node_exporter's output with the same type and the
  same label names (except NEWER_FAMILIES, which node_exporter added after 1.5);
- every counter series of sonde's lies between node_exporter's reads taken 2 s before and 2 s after
  sonde's scrape (sonde's snapshot is at most one interval, 1 s, older than its scrape, so it lies
  inside that window too);
- gauges that do not move (sizes, totals, boot time) are equal;
- gauges that move (free memory, load, running processes, free space) agree within the tolerances
  in MOVING below, measured against the range of node_exporter's two reads.

Debian patches two of node_exporter's defaults (netdev excludes lo; filesystem excludes /run, /mnt
and /media); node_exporter is given upstream 1.5.0's, which are sonde's.
"""
import http.client
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import unittest

from harness import DEADLINE, SondeTestCase, parse_exposition, require_tool

# Collectors both run. sonde's `self` (process_*, sonde_build_info) has no node_exporter twin
# among node_* families.
COLLECTORS = ["cpu", "meminfo", "loadavg", "stat", "vmstat", "uname", "time", "diskstats",
              "netdev", "filesystem", "pressure",
              # issue 14
              "netstat", "sockstat", "filefd", "entropy", "conntrack", "softnet", "udp_queues",
              "arp", "schedstat", "textfile", "timex", "mdadm", "nfs", "nfsd", "ipvs", "zfs",
              # issue 15, part A
              "cpufreq", "dmi", "edac", "hwmon", "netclass", "os", "powersupplyclass", "rapl",
              "selinux", "thermal_zone",
              # issue 15, sysfs part B
              "bcache", "bonding", "btrfs", "fibrechannel", "infiniband", "nvme", "tapestats",
              "xfs"]

# Collectors whose source this host may lack: node_exporter 1.5 reports
# node_scrape_collector_success 0 for them (ErrNoData or an error), sonde publishes nothing and
# reports 1 (docs/metrics.md, "Absent sources").
ABSENT_SOURCES = {
    "schedstat": "/proc/schedstat",
    "conntrack": "/proc/sys/net/netfilter/nf_conntrack_count",
    "mdadm": "/proc/mdstat",
    "nfs": "/proc/net/rpc/nfs",
    "nfsd": "/proc/net/rpc/nfsd",
    "ipvs": "/proc/net/ip_vs_stats",
    "zfs": "/proc/spl/kstat/zfs",
    # issue 15, part A (node_exporter's ErrNoData without these; its thermal_zone, cpufreq, edac
    # and powersupplyclass succeed on an empty or missing directory, as sonde's do)
    "dmi": "/sys/class/dmi/id",
    "hwmon": "/sys/class/hwmon",
    "rapl": "/sys/class/powercap",
    # issue 15, sysfs part B (bcache, btrfs and xfs glob their directories: node_exporter finds
    # nothing there and succeeds, as sonde does).
    "bonding": "/sys/class/net/bonding_masters",
    "fibrechannel": "/sys/class/fc_host",
    "infiniband": "/sys/class/infiniband",
    "nvme": "/sys/class/nvme",
    "tapestats": "/sys/class/scsi_tape",
}

# A textfile both read, so the textfile families are compared too.
TEXTFILE = "# HELP node_parity_textfile_value A value both exporters read.\n" \
           "# TYPE node_parity_textfile_value gauge\n" \
           "node_parity_textfile_value{kind=\"test\"} 42\n"

UPSTREAM_MOUNT_POINTS_EXCLUDE = (
    r"^/(dev|proc|run/credentials/.+|sys|var/lib/docker/.+|var/lib/containers/storage/.+)($|/)")

# Families node_exporter added after 1.5 (sonde may emit them; 1.5 cannot have them). Empty today:
# sonde follows 1.5 and emits none of them, e.g. node_pressure_cpu_stalled_seconds_total.
NEWER_FAMILIES = {"node_pressure_cpu_stalled_seconds_total"}

# Gauges whose value does not change while the test runs: equal, exactly.
STATIC = {
    "node_boot_time_seconds", "node_uname_info",
    # From udev's database, which both read at /run/udev/data.
    "node_disk_info", "node_disk_filesystem_info", "node_disk_device_mapper_info",
    "node_disk_ata_write_cache", "node_disk_ata_write_cache_enabled",
    "node_disk_ata_rotation_rate_rpm",
    "node_filesystem_size_bytes", "node_filesystem_files", "node_filesystem_readonly",
    "node_filesystem_device_error",
    "node_memory_MemTotal_bytes", "node_memory_SwapTotal_bytes", "node_memory_CommitLimit_bytes",
    "node_memory_HugePages_Total", "node_memory_Hugepagesize_bytes", "node_memory_Hugetlb_bytes",
    "node_memory_VmallocTotal_bytes", "node_memory_CmaTotal_bytes",
    "node_memory_DirectMap4k_bytes", "node_memory_DirectMap2M_bytes",
    "node_memory_DirectMap1G_bytes", "node_time_zone_offset_seconds",
    # issue 14
    "node_filefd_maximum", "node_entropy_pool_size_bits", "node_nf_conntrack_entries_limit",
    "node_netstat_Ip_Forwarding", "node_parity_textfile_value", "node_textfile_scrape_error",
    "node_textfile_mtime_seconds",
    # issue 15, part A
    "node_network_up", "node_network_info", "node_network_address_assign_type",
    "node_network_carrier", "node_network_device_id", "node_network_dormant",
    "node_network_flags", "node_network_iface_id", "node_network_iface_link",
    "node_network_iface_link_mode", "node_network_mtu_bytes", "node_network_name_assign_type",
    "node_network_net_dev_group", "node_network_speed_bytes", "node_network_transmit_queue_length",
    "node_network_protocol_type", "node_os_info", "node_os_version", "node_selinux_enabled",
    "node_selinux_config_mode", "node_selinux_current_mode", "node_dmi_info",
    "node_cpu_isolated", "node_cpu_frequency_min_hertz", "node_cpu_frequency_max_hertz",
    "node_cpu_scaling_frequency_min_hertz", "node_cpu_scaling_frequency_max_hertz",
    "node_cooling_device_max_state", "node_hwmon_chip_names", "node_hwmon_sensor_label",
    # issue 15, sysfs part B (on hosts that have them)
    "node_bonding_slaves", "node_btrfs_info", "node_btrfs_device_size_bytes",
    "node_btrfs_allocation_ratio", "node_nvme_info", "node_infiniband_info",
    "node_infiniband_rate_bytes_per_second", "node_fibrechannel_info",
}

GiB = 1 << 30


def _mem_total(ne):
    return ne[("node_memory_MemTotal_bytes", frozenset())]


# Moving gauges: family (or regex) -> tolerance beyond the range of node_exporter's two reads,
# as a function of node_exporter's samples. Other helpers build on this 2-core machine while the
# test runs, so memory, load and process counts move by real amounts within 4 s.
MOVING = [
    # Any memory figure can move by what a compiler or linker allocates: 5% of RAM.
    (re.compile(r"^node_memory_"), lambda ne, key: 0.05 * _mem_total(ne)),
    (re.compile(r"^node_load(1|5|15)$"), lambda ne, key: 1.0),
    (re.compile(r"^node_procs_(running|blocked)$"), lambda ne, key: 8.0),
    # Build output lands on the same filesystems: 2% of the filesystem or 1 GiB.
    (re.compile(r"^node_filesystem_(free|avail)_bytes$"),
     lambda ne, key: max(GiB, 0.02 * ne.get(("node_filesystem_size_bytes", key[1]), 0))),
    (re.compile(r"^node_filesystem_files_free$"),
     lambda ne, key: max(100000, 0.02 * ne.get(("node_filesystem_files", key[1]), 0))),
    (re.compile(r"^node_disk_io_now$"), lambda ne, key: 64.0),
    (re.compile(r"^node_time_seconds$"), lambda ne, key: 1.0),
    # The collectors' own timing is not a host value: only its presence is compared.
    (re.compile(r"^node_scrape_collector_(duration_seconds|success)$"), None),
    (re.compile(r"^node_time_clocksource_"), lambda ne, key: 0.0),
    # issue 14. netstat's fields are untyped; all but CurrEstab are kernel event counters, so
    # they lie within node_exporter's two reads.
    (re.compile(r"^node_netstat_Tcp_CurrEstab$"), lambda ne, key: 64.0),
    (re.compile(r"^node_netstat_"), lambda ne, key: 0.0),
    (re.compile(r"^node_sockstat_.*_mem_bytes$"), lambda ne, key: 16.0 * (1 << 20)),
    (re.compile(r"^node_sockstat_"), lambda ne, key: 4096.0),
    (re.compile(r"^node_filefd_allocated$"), lambda ne, key: 4096.0),
    (re.compile(r"^node_entropy_available_bits$"), lambda ne, key: 4096.0),
    (re.compile(r"^node_nf_conntrack_entries$"), lambda ne, key: 4096.0),
    # Gauges in node_exporter 1.5, but the kernel's counters.
    (re.compile(r"^node_nf_conntrack_stat_"), lambda ne, key: 0.0),
    (re.compile(r"^node_udp_queues$"), lambda ne, key: 16.0 * (1 << 20)),
    (re.compile(r"^node_arp_entries$"), lambda ne, key: 16.0),
    # timex: NTP slews the offset and frequency, maxerror grows by 500 µs a second until the next
    # update and is then reset; the rest changes only when the NTP daemon changes state, so it
    # lies within node_exporter's two reads.
    (re.compile(r"^node_timex_offset_seconds$"), lambda ne, key: 0.05),
    (re.compile(r"^node_timex_frequency_adjustment_ratio$"), lambda ne, key: 1e-5),
    (re.compile(r"^node_timex_(maxerror|estimated_error)_seconds$"), lambda ne, key: 0.1),
    (re.compile(r"^node_timex_"), lambda ne, key: 0.0),
    # mdadm: a resync moves blocks_synced and the state; the rest lies within the two reads.
    (re.compile(r"^node_md_"), lambda ne, key: 0.0),
    # nfsd's thread count and read-ahead cache size change only when an admin changes them;
    # ipvs's backend connections and weights move with traffic and keepalived.
    (re.compile(r"^node_nfsd_(server_threads|read_ahead_cache_size_blocks)$"),
     lambda ne, key: 0.0),
    (re.compile(r"^node_ipvs_backend_(connections_active|connections_inactive)$"),
     lambda ne, key: 64.0),
    (re.compile(r"^node_ipvs_backend_weight$"), lambda ne, key: 0.0),
    # zfs: untyped kstats, most of them event counters, some sizes (the ARC's) that move with
    # the load: 5% of RAM covers what the ARC can grow or shrink by in 4 s here.
    # issue 15, sysfs part B: link and port states change only when a link does; btrfs's space
    # moves with what is written (2% of it or 1 GiB); bcache's dirty data and writeback rates
    # with the load (5% or 1 MiB); a tape drive has a few I/Os outstanding.
    (re.compile(r"^node_bonding_active$"), lambda ne, key: 0.0),
    (re.compile(r"^node_infiniband_(state_id|physical_state_id)$"), lambda ne, key: 0.0),
    (re.compile(r"^node_btrfs_"), lambda ne, key: max(GiB, 0.02 * abs(ne.get(key, 0)))),
    (re.compile(r"^node_bcache_"), lambda ne, key: max(1 << 20, 0.05 * abs(ne.get(key, 0)))),
    (re.compile(r"^node_tape_io_now$"), lambda ne, key: 16.0),
    (re.compile(r"^node_zfs_zpool_state$"), lambda ne, key: 0.0),
    (re.compile(r"^node_zfs_"), lambda ne, key: 0.05 * _mem_total(ne)),
    # issue 15, part A: sensors move with the load (5 degrees, 10% of a fan's or a supply's
    # reading), CPU frequencies with the governor, cooling states with the temperature.
    (re.compile(r"^node_(hwmon_|thermal_zone_temp$)"),
     lambda ne, key: 5.0 + 0.1 * abs(ne.get(key, 0))),
    (re.compile(r"^node_cpu_(scaling_)?frequency_hertz$"), lambda ne, key: 5e9),
    (re.compile(r"^node_cooling_device_cur_state$"), lambda ne, key: ne.get(
        ("node_cooling_device_max_state", key[1]), 0)),
    (re.compile(r"^node_power_supply_"), lambda ne, key: 1.0 + 0.1 * abs(ne.get(key, 0))),
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def scrape(port):
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
    try:
        conn.request("GET", "/metrics")
        r = conn.getresponse()
        body = r.read().decode()
        assert r.status == 200, (r.status, body[:500])
        return body
    finally:
        conn.close()


def label_names(samples):
    out = {}
    for (name, labels) in samples:
        out.setdefault(name, set()).add(frozenset(k for k, _ in labels))
    return out


def family_of(name, types):
    """The family a sample belongs to (summaries and histograms have suffixed samples)."""
    if name in types:
        return name
    for suffix in ("_sum", "_count", "_bucket"):
        if name.endswith(suffix) and name[: -len(suffix)] in types:
            return name[: -len(suffix)]
    return name


class NodeExporter:
    def __init__(self, tmp, textfile_dir):
        self.bin = require_tool("prometheus-node-exporter")
        self.port = free_port()
        self.log_path = os.path.join(tmp, "node_exporter.log")
        args = [self.bin, f"--web.listen-address=127.0.0.1:{self.port}",
                "--collector.disable-defaults"]
        args += [f"--collector.{c}" for c in COLLECTORS]
        args += ["--collector.netdev.device-exclude=",
                 f"--collector.filesystem.mount-points-exclude={UPSTREAM_MOUNT_POINTS_EXCLUDE}",
                 f"--collector.textfile.directory={textfile_dir}"]
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=self.log,
                                     stderr=subprocess.STDOUT)

    def wait_up(self):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError("node_exporter exited:\n" + self.read_log())
            try:
                scrape(self.port)
                return
            except (OSError, AssertionError):
                time.sleep(0.05)
        raise AssertionError("node_exporter never answered:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def metrics(self):
        return parse_exposition(scrape(self.port))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


SONDE_CONFIG = "collectors:\n" + "".join(
    f"  {c}: {{interval: 1s}}\n" for c in COLLECTORS + ["self"] if c != "textfile") + \
    "  textfile: {interval: 1s, directory: @TEXTFILE_DIR@}\n"


class Parity(SondeTestCase):
    def test_sonde_agrees_with_node_exporter_on_this_host(self):
        textfile_dir = tempfile.mkdtemp(prefix="sonde-parity-textfile-")
        self.addCleanup(shutil.rmtree, textfile_dir, True)
        with open(os.path.join(textfile_dir, "parity.prom"), "w") as f:
            f.write(TEXTFILE)
        s = self.sonde(config=SONDE_CONFIG.replace("@TEXTFILE_DIR@", textfile_dir))
        ne = NodeExporter(s.tmp, textfile_dir)
        self.addCleanup(ne.stop)
        ne.wait_up()
        s.wait_ready()
        time.sleep(1.2)  # every sonde collector has run at least twice at 1s

        before, ne_types, _ = ne.metrics()
        time.sleep(2)
        got, types, _ = parse_exposition(s.metrics())
        time.sleep(2)
        after, _, _ = ne.metrics()

        # Every collector succeeded on sonde's side; on node_exporter's, all but those whose
        # source this host lacks (which it reports as failing, and sonde as succeeding).
        absent = sorted(c for c, path in ABSENT_SOURCES.items() if not os.path.exists(path))
        for name, samples, expected in (("sonde", got, []), ("node_exporter", after, absent)):
            failed = sorted(dict(l)["collector"] for (n, l), v in samples.items()
                            if n == "node_scrape_collector_success" and v != 1)
            self.assertEqual(failed, expected, f"{name} collectors that failed")
        for c in COLLECTORS:
            self.assertIn(("node_scrape_collector_success", frozenset({("collector", c)})), got)

        # Families, types and label names.
        ours = {family_of(n, types) for n, _ in got if n.startswith("node_")}
        theirs_labels = label_names(after)
        ours_labels = label_names(got)
        missing, wrong_type, wrong_labels = [], [], []
        for fam in sorted(ours - NEWER_FAMILIES):
            if fam not in ne_types:
                missing.append(fam)
            elif types.get(fam) != ne_types[fam]:
                wrong_type.append(f"{fam}: sonde {types.get(fam)}, node_exporter {ne_types[fam]}")
            elif fam in theirs_labels and ours_labels.get(fam) != theirs_labels[fam]:
                wrong_labels.append(f"{fam}: sonde {ours_labels.get(fam)}, "
                                    f"node_exporter {theirs_labels[fam]}")
        self.assertEqual(missing, [], "families node_exporter 1.5 does not have")
        self.assertEqual(wrong_type, [])
        self.assertEqual(wrong_labels, [])
        # And node_exporter has no family of these collectors that sonde lacks, except those
        # that come from sysfs or netlink (clocksources).
        not_ours = {"node_exporter_build_info", "node_time_clocksource_available_info",
                    "node_time_clocksource_current_info"}
        lacking = sorted(f for f in ne_types
                         if f.startswith("node_") and f not in ours and f not in not_ours)
        self.assertEqual(lacking, [], "node_exporter families sonde lacks")

        # Values.
        compared = {"counter": 0, "static": 0, "moving": 0}
        problems, unclassified = [], set()
        for key, value in sorted(got.items(), key=lambda kv: kv[0][0]):
            name, labels = key
            if not name.startswith("node_"):
                continue
            if key not in before or key not in after:
                # A device or mount that appeared or went away meanwhile; or node_exporter does
                # not see it (checked below: the sets of series must overlap almost entirely).
                continue
            lo, hi = before[key], after[key]
            fam = family_of(name, types)
            typ = types.get(fam)
            desc = f"{name}{dict(labels)}"
            # node_vmstat_* are untyped (as in node_exporter) but the default fields are all
            # kernel event counters.
            if typ == "counter" or fam.startswith("node_vmstat_"):
                compared["counter"] += 1
                # The kernel's per-CPU idle and iowait can step back a little (NO_HZ accounting);
                # node_exporter 1.5 passes that on and sonde holds the highest value: allow it.
                slack = 0.5 if name == "node_cpu_seconds_total" and \
                    dict(labels).get("mode") in ("idle", "iowait") else 0
                if not min(lo, hi) - slack <= value <= max(lo, hi) + slack:
                    problems.append(f"counter {desc}: sonde {value!r} outside node_exporter's "
                                    f"[{lo!r}, {hi!r}]")
                elif lo > hi + slack:
                    problems.append(f"counter {desc}: node_exporter went backwards {lo} -> {hi}")
                continue
            if fam in STATIC:
                compared["static"] += 1
                if not value == lo == hi:
                    problems.append(f"static gauge {desc}: sonde {value!r}, node_exporter "
                                    f"{lo!r} then {hi!r}")
                continue
            rule = next((r for r in MOVING if r[0].search(fam)), None)
            if rule is None:
                unclassified.add(fam)
                continue
            if rule[1] is None:
                continue
            compared["moving"] += 1
            tol = rule[1](after, key)
            if not min(lo, hi) - tol <= value <= max(lo, hi) + tol:
                problems.append(f"gauge {desc}: sonde {value!r}, node_exporter {lo!r} then "
                                f"{hi!r} (tolerance {tol!r})")
        self.assertEqual(sorted(unclassified), [], "gauges with no rule: add them to a list")
        self.assertEqual(problems, [])

        # The comparison saw most of what sonde publishes.
        node_series = [k for k in got if k[0].startswith("node_")]
        shared = [k for k in node_series if k in before and k in after]
        self.assertGreaterEqual(len(shared), 0.95 * len(node_series),
                                f"series node_exporter lacks: "
                                f"{sorted(k for k in node_series if k not in after)[:20]}")
        self.assertGreater(compared["counter"], 100, compared)
        self.assertGreater(compared["static"], 5, compared)
        self.assertGreater(compared["moving"], 10, compared)


if __name__ == "__main__":
    unittest.main()
