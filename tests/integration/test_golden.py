"""Golden test: sonde on node_exporter 1.5.0's own fixture tree must reproduce, sample for sample,
the values node_exporter wrote for the same tree (tests/fixtures/node-exporter-1.5.0/e2e-output.txt)
for every family sonde's collectors take from /proc, udev's database and the textfile directory,
with the options of node_exporter's end-to-end-test.sh. sys.ttar and udev.ttar are unpacked by
tools/ttar.py (node_exporter's `ttar -x`, modes and links included) into the test's temp dir.
golden_families.txt lists the e2e families covered; the test checks that list is exact."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

from harness import FIXTURES, SondeTestCase, parse_exposition

TREE = os.path.join(FIXTURES, "node-exporter-1.5.0")
REPO = os.path.dirname(os.path.dirname(FIXTURES))
FAMILIES_FILE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden_families.txt")

# Families of the cpu, meminfo, loadavg, stat and vmstat collectors read from /proc. Left out, as
# the issue says: *_info families, sysfs-derived ones (throttles, frequencies), node_memory_numa_*.
EXACT_FAMILIES = {
    "node_cpu_seconds_total", "node_cpu_guest_seconds_total",
    "node_load1", "node_load5", "node_load15",
    "node_boot_time_seconds", "node_context_switches_total", "node_forks_total",
    "node_intr_total", "node_procs_running", "node_procs_blocked", "node_softirqs_total",
}
# diskstats: every node_disk_* family, from /proc/diskstats and from udev's database (info,
# filesystem_info, device_mapper_info, ata_*); pressure: every node_pressure_* family.
FAMILY_PATTERNS = [re.compile(r"^node_memory_(?!numa_)"), re.compile(r"^node_vmstat_"),
                   re.compile(r"^node_disk_"), re.compile(r"^node_pressure_")]
# Issue 14's /proc collectors (mdadm, nfs, nfsd, ipvs and zfs among them), the cpu collector's
# /proc/cpuinfo part and textfile (the two_metric_files directory: testmetric*).
# node_textfile_mtime_seconds is not in e2e-output.txt (end-to-end-test.sh filters it out: its
# value is the checkout's mtime).
EXACT_FAMILIES |= {
    "node_filefd_allocated", "node_filefd_maximum",
    "node_entropy_available_bits", "node_entropy_pool_size_bits",
    "node_udp_queues", "node_arp_entries",
    "node_cpu_info", "node_cpu_flag_info", "node_cpu_bug_info",
    "node_textfile_scrape_error",
}
FAMILY_PATTERNS += [re.compile(r"^node_netstat_"), re.compile(r"^node_sockstat_"),
                    re.compile(r"^node_nf_conntrack_"), re.compile(r"^node_softnet_"),
                    re.compile(r"^node_schedstat_"), re.compile(r"^testmetric"),
                    re.compile(r"^node_md_"), re.compile(r"^node_nfs_"),
                    re.compile(r"^node_nfsd_"), re.compile(r"^node_ipvs_"),
                    re.compile(r"^node_zfs_")]
# Issue 15's sysfs collectors, part B: bcache (with priority_stats), bonding, btrfs, xfs, nvme,
# infiniband, fibrechannel, tapestats (node_tape_*).
FAMILY_PATTERNS += [re.compile(r"^node_bcache_"), re.compile(r"^node_bonding_"),
                    re.compile(r"^node_btrfs_"), re.compile(r"^node_xfs_"),
                    re.compile(r"^node_nvme_"), re.compile(r"^node_infiniband_"),
                    re.compile(r"^node_fibrechannel_"), re.compile(r"^node_tape_")]

# Issue 15, part A: the sysfs collectors (netclass, hwmon, thermal_zone, cpufreq, the cpu
# collector's throttle and isolated parts, dmi, selinux, powersupplyclass, rapl, edac) and os.
# netclass's node_network_* families are those netdev does not publish.
NETDEV_FAMILY = re.compile(r"^node_network_(receive|transmit)_(?!queue_length$)")
EXACT_FAMILIES |= {
    "node_cpu_core_throttles_total", "node_cpu_package_throttles_total", "node_cpu_isolated",
    "node_dmi_info",
}
FAMILY_PATTERNS += [re.compile(r"^node_network_"), re.compile(r"^node_hwmon_"),
                    re.compile(r"^node_thermal_zone_"), re.compile(r"^node_cooling_device_"),
                    re.compile(r"^node_cpu_(scaling_)?frequency_"), re.compile(r"^node_os_"),
                    re.compile(r"^node_selinux_"), re.compile(r"^node_power_supply_"),
                    re.compile(r"^node_rapl_"), re.compile(r"^node_edac_")]

CONFIG = """
host:
  procfs: {tree}/proc
  sysfs: {unpacked}/sys
  udev_data: {unpacked}/udev/data
  rootfs: {tree}
collectors:
  stat:
    softirq: true
  # end-to-end-test.sh's options for issue 14's collectors.
  arp:
    device_exclude: nope
  cpu:
    info: true
    flags_include: '^(aes|avx.?|constant_tsc)$'
    bugs_include: '^(cpu_meltdown|spectre_.*|mds)$'
  textfile:
    directory: {tree}/textfile/two_metric_files
  # end-to-end-test.sh's --collector.bcache.priorityStats (issue 15).
  bcache:
    priority_stats: true
  # node_exporter read netdev over netlink for e2e-output.txt (no proc/net/dev in the tree), and
  # its e2e test has no filesystem output: both are checked elsewhere.
  netdev:
    enabled: false
  filesystem:
    enabled: false
  # end-to-end-test.sh's --collector.netclass.ignored-devices="(dmz|int)" (anchored here: the
  # fixture's devices are bond0, dmz, eth0 and int) and --collector.netclass.ignore-invalid-speed.
  netclass:
    device_exclude: '^(dmz|int)$'
    ignore_invalid_speed: true
"""


SYSFS_A = re.compile(r"^node_(network|hwmon|thermal_zone|cooling_device|cpu_(scaling_)?"
                     r"frequency|cpu_(core|package)_throttles|cpu_isolated|os|dmi|selinux|"
                     r"power_supply|rapl|edac)_?")
SYSFS_A_SAMPLES = 210


def in_scope(name):
    if NETDEV_FAMILY.search(name):
        return False
    return name in EXACT_FAMILIES or any(p.search(name) for p in FAMILY_PATTERNS)


def relative_paths(samples, unpacked):
    """rapl's `path` label carries the sysfs path: node_exporter's run had it under
    collector/fixtures/, sonde's under the unpacked tree."""
    out = {}
    for (name, labels), value in samples.items():
        labels = frozenset((k, v.replace(unpacked + "/", "collector/fixtures/") if k == "path"
                            else v) for k, v in labels)
        out[(name, labels)] = value
    return out


class Golden(SondeTestCase):
    def unpack(self):
        """sys.ttar and udev.ttar into the test's temp dir, as node_exporter's Makefile does."""
        out = tempfile.mkdtemp(prefix="sonde-golden-")
        self.addCleanup(shutil.rmtree, out, True)
        for archive in ("sys.ttar", "udev.ttar"):
            subprocess.run([sys.executable, os.path.join(REPO, "tools", "ttar.py"), "-C", out,
                            "-x", "-f", os.path.join(TREE, archive)], check=True)
        return out

    def test_values_match_node_exporter_e2e_output(self):
        with open(os.path.join(TREE, "e2e-output.txt")) as f:
            want, want_types, want_helps = parse_exposition(f.read())
        unpacked = self.unpack()
        s = self.sonde(config=CONFIG.format(tree=TREE, unpacked=unpacked))
        s.wait_ready()
        got, got_types, got_helps = parse_exposition(s.metrics())
        got = relative_paths(got, unpacked)
        # The textfile help names the file by the configured directory; node_exporter's run used
        # collector/fixtures/textfile/two_metric_files/.
        got_helps = {n: h.replace(TREE + "/", "collector/fixtures/") for n, h in got_helps.items()}

        checked = 0
        missing, wrong = [], []
        for key, value in want.items():
            name, labels = key
            if not in_scope(name):
                continue
            checked += 1
            if key not in got:
                missing.append(f"{name}{dict(labels)}")
            elif got[key] != value:
                wrong.append(f"{name}{dict(labels)}: sonde {got[key]!r}, node_exporter {value!r}")
        self.assertEqual(missing, [], "series node_exporter has and sonde lacks")
        self.assertEqual(wrong, [], "values that differ")
        # The scope is not empty by accident: 148 samples (8 CPUs x 10 modes, 42 meminfo fields,
        # 6 vmstat fields, 10 softirq vectors, ...), 175 diskstats samples (15 devices, 11 to 17
        # fields each), 40 udev-derived ones (15 node_disk_info, 10 filesystem_info, 6
        # device_mapper_info, 9 ata_*) and 5 pressure samples.
        self.assertGreaterEqual(checked, 148 + 175 + 40 + 5)
        # Issue 14's share: netstat 39, sockstat 20, filefd 2, entropy 2, conntrack 10,
        # softnet 12, udp_queues 2, arp 2, schedstat 6, cpu info 8 + 4 flags + 4 bugs, textfile
        # scrape_error 1 and 4 testmetric samples; mdadm 187 (17 devices x 11); zfs 318, nfs 105,
        # nfsd 87, ipvs 35 (default backend_labels).
        self.assertGreaterEqual(checked, 148 + 175 + 40 + 5 + 116 + 187 + 318 + 105 + 87 + 35)
        # Issue 15, part A: SYSFS_A_SAMPLES samples of the sysfs collectors and os.
        sysfs_a = [k for k in want if SYSFS_A.search(k[0]) and in_scope(k[0])]
        self.assertEqual(len(sysfs_a), SYSFS_A_SAMPLES)
        # Issue 15, sysfs part B: bcache 28, bonding 6, btrfs 34, xfs 39, nvme 1, infiniband 51,
        # fibrechannel 14, tapestats 10.
        self.assertGreaterEqual(checked, 148 + 175 + 40 + 5 + 116 + 187 + 318 + 105 + 87 + 35 + 183)

        families = {n for n, _ in want if in_scope(n)}
        with open(FAMILIES_FILE) as f:
            listed = {line.strip() for line in f if line.strip() and not line.startswith("#")}
        self.assertEqual(sorted(families - listed), [], "covered but not in golden_families.txt")
        self.assertEqual(sorted(listed - families), [], "listed but not covered")
        for fam in families:
            self.assertEqual(got_types.get(fam), want_types.get(fam), fam)
            self.assertEqual(got_helps.get(fam), want_helps.get(fam), fam)

        # And sonde adds no series of its own to those families.
        extra = [f"{n}{dict(l)}" for (n, l) in got if in_scope(n) and (n, l) not in want]
        self.assertEqual(extra, [])


if __name__ == "__main__":
    unittest.main()
