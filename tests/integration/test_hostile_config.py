"""Hostile configuration files against the real binary (issue 11, defect 4): a FIFO is refused
before it is opened (it would block until a writer appears), and a file of hundreds of thousands
of errors is cheap (at most 100 listed, then a count; more than 100,000 YAML nodes refused
before the tree is built)."""
import os
import tempfile
import time

from harness import SondeTestCase, run_sonde

# Generous: a hang is what is tested, not speed. (The 370,000-key file took 4.8 s with 58 MB of
# output before the error bound.)
DEADLINE_S = 20


class HostileConfig(SondeTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sonde-hostile-")

    def test_config_check_refuses_a_fifo_without_blocking(self):
        fifo = os.path.join(self.tmp, "sonde.yaml")
        os.mkfifo(fifo)
        r = run_sonde(["config", "check", fifo], timeout=DEADLINE_S)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(fifo + ": not a regular file (a FIFO)", r.stderr)
        # Behind a symlink too, and as the mapping file.
        link = os.path.join(self.tmp, "link.yaml")
        os.symlink(fifo, link)
        r = run_sonde(["config", "check", link], timeout=DEADLINE_S)
        self.assertIn(link + ": not a regular file (a FIFO)", r.stderr)
        cfg = os.path.join(self.tmp, "mapped.yaml")
        with open(cfg, "w") as f:
            f.write(f"ingest:\n  mapping_file: {fifo}\n")
        r = run_sonde(["config", "check", cfg], timeout=DEADLINE_S)
        self.assertEqual(r.returncode, 1, r.stderr)
        self.assertIn(fifo + ": not a regular file (a FIFO)", r.stderr)
        # At start: exit 78, no hang.
        r = run_sonde(["--config", fifo], timeout=DEADLINE_S)
        self.assertEqual(r.returncode, 78, r.stderr)
        self.assertIn("not a regular file (a FIFO)", r.stderr)

    def check(self, keys):
        path = os.path.join(self.tmp, f"keys{keys}.yaml")
        with open(path, "w") as f:
            f.write("".join(f"k{i}: 1\n" for i in range(keys)))
        self.assertLess(os.path.getsize(path), 4 << 20)
        start = time.monotonic()
        r = run_sonde(["config", "check", path], timeout=DEADLINE_S)
        print(f"{keys} unknown keys: {time.monotonic() - start:.2f} s, {len(r.stderr)} bytes")
        self.assertEqual(r.returncode, 1)
        return path, r.stderr.splitlines()

    def test_a_file_of_370000_unknown_keys_is_cheap(self):
        # 740,000 YAML nodes: refused while parsing, before yaml-cpp builds its tree.
        path, lines = self.check(370_000)
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0], "^" + path + r":\d+:\d+: more than 100000 YAML nodes")
        self.assertEqual(lines[1], path + ": 1 error")

    def test_errors_stop_at_100_then_a_count(self):
        path, lines = self.check(40_000)
        self.assertEqual(len(lines), 102, lines[:3])
        self.assertEqual(lines[0], path + ':1:1: unknown key "k0"; expected one of: global, '
                         "web, log, host, collectors, ingest, gpu, rules, remote_write")
        self.assertEqual(lines[100], "... and 39900 more errors")
        self.assertEqual(lines[101], path + ": 40000 errors")


if __name__ == "__main__":
    import unittest
    unittest.main()
