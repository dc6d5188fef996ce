"""The unit's restrictions do not blind the collectors: sonde run inside the file-system view
deploy/systemd/sonde.service gives it (tests/integration/confine.sh in a new mount namespace:
everything read-only, private /tmp, /var/tmp and /dev, /proc/sys read-only) reports the same
file systems (mount points, devices, types, sizes, read-only flags), network interfaces and
disks as sonde run beside it unconfined. Both run as `nobody`, as the unit runs sonde
unprivileged. A control run with what the unit must not do (ProcSubset=pid) shows that the
comparison notices a blinded collector. Needs root (CI runs as root): mount namespaces."""
import os
import shutil
import tempfile
import unittest

from harness import SOURCE_DIR, SondeTestCase, parse_exposition, require_tool

CONFINE = os.path.join(SOURCE_DIR, "tests", "integration", "confine.sh")
NOBODY = ["--reuid=65534", "--regid=65534", "--clear-groups"]
# Values that other processes change between the two scrapes (free space, free inodes): close,
# not equal. Everything else must be equal.
DRIFTING = {"node_filesystem_avail_bytes", "node_filesystem_free_bytes",
            "node_filesystem_files_free"}


def series(text, prefix):
    samples, _, _ = parse_exposition(text)
    return {k: v for k, v in samples.items() if k[0].startswith(prefix)}


def label_values(samples, name, label):
    return {dict(k[1])[label] for k in samples if k[0] == name}


def differences(free, confined):
    """What the confined run lost or measured differently, one line each."""
    out = []
    fs_free, fs_conf = series(free, "node_filesystem_"), series(confined, "node_filesystem_")
    if not fs_free:
        out.append("the unconfined run reported no file system")
    for key in sorted(set(fs_free) ^ set(fs_conf), key=str):
        out.append(f"{'only unconfined' if key in fs_free else 'only confined'}: {key}")
    for key in set(fs_free) & set(fs_conf):
        a, b = fs_free[key], fs_conf[key]
        if key[0] in DRIFTING:
            size = fs_free.get(("node_filesystem_size_bytes", key[1]),
                               fs_free.get(("node_filesystem_files", key[1]), 0))
            if abs(a - b) > max(0.01 * size, 1):
                out.append(f"{key}: {a} unconfined, {b} confined")
        elif a != b:
            out.append(f"{key}: {a} unconfined, {b} confined")
    for name, label in (("node_network_receive_bytes_total", "device"),
                        ("node_network_transmit_bytes_total", "device"),
                        ("node_disk_reads_completed_total", "device"),
                        ("node_scrape_collector_success", "collector")):
        a = label_values(series(free, name), name, label)
        b = label_values(series(confined, name), name, label)
        if a != b or not a:
            out.append(f"{name}: {sorted(a)} unconfined, {sorted(b)} confined")
    ok_free = series(free, "node_scrape_collector_success")
    ok_conf = series(confined, "node_scrape_collector_success")
    for key in sorted(set(ok_free) & set(ok_conf), key=str):
        if ok_free[key] != ok_conf[key]:
            out.append(f"{key}: {ok_free[key]} unconfined, {ok_conf[key]} confined")
    return out


class Confinement(SondeTestCase):
    def setUp(self):
        if os.geteuid() != 0:
            raise AssertionError("test_confinement needs root for mount namespaces (CI runs as "
                                 "root): run it with sudo")
        self.unshare = require_tool("unshare")
        self.setpriv = require_tool("setpriv")

    def confined(self, extra_env=None):
        private = tempfile.mkdtemp(prefix="sonde-confine-")
        self.addCleanup(shutil.rmtree, private, ignore_errors=True)
        for d in ("dev", "tmp", "var-tmp", "tmp/run"):
            os.mkdir(os.path.join(private, d))
        os.chown(os.path.join(private, "tmp", "run"), 65534, 65534)  # nobody's runtime directory
        wrapper = [self.unshare, "-m", CONFINE, private, self.setpriv] + NOBODY
        # Embedded defaults (no config file: the test's directory is hidden by the private /tmp).
        s = self.sonde(start=False, wrapper=wrapper)
        s.env["RUNTIME_DIRECTORY"] = "/tmp/run"
        s.env.update(extra_env or {})
        s.start()
        s.wait_ready()
        return s

    def unconfined(self):
        s = self.sonde(start=False, wrapper=[self.setpriv] + NOBODY)
        os.chown(s.tmp, 65534, 65534)
        s.start()
        s.wait_ready()
        return s

    def test_same_filesystems_interfaces_and_disks(self):
        free, confined = self.unconfined(), self.confined()
        # The confinement is real: sonde's own root mount is read-only, its /tmp is private.
        with open(f"/proc/{confined.proc.pid}/mountinfo") as f:
            mounts = [line.split() for line in f]
        root = [m for m in mounts if m[4] == "/"]
        self.assertTrue(root and root[-1][5].startswith("ro"), root)
        self.assertTrue(any(m[4] == "/tmp" for m in mounts))
        # Each scraped twice, interleaved, so that drifting values are close in time.
        diffs = differences(free.metrics(), confined.metrics())
        if diffs:
            diffs = differences(free.metrics(), confined.metrics())
        self.assertEqual(diffs, [])
        fs = series(confined.metrics(), "node_filesystem_size_bytes")
        self.assertIn("/", label_values(fs, "node_filesystem_size_bytes", "mountpoint"))

    def test_the_comparison_sees_a_blinded_collector(self):
        free = self.unconfined()
        blind = self.confined({"CONFINE_PROC_SUBSET_PID": "1"})
        diffs = differences(free.metrics(), blind.metrics())
        self.assertTrue(any(d.startswith("node_network_receive_bytes_total") for d in diffs),
                        diffs)


if __name__ == "__main__":
    unittest.main()
