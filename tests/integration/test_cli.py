"""Command line: --version, config check, bad configs at start, flags."""
import os
import re
import tempfile
import unittest

from harness import FIXTURES, SOURCE_DIR, SondeTestCase, run_sonde


def write(tmp, name, text):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text)
    return path


class Cli(SondeTestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="sonde-cli-")

    def test_version_names_version_revision_and_compiler(self):
        r = run_sonde(["--version"])
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^sonde \d+\.\d+\.\d+ \(revision \S+, built with GNU \d+")

    def test_help(self):
        r = run_sonde(["--help"])
        self.assertEqual(r.returncode, 0)
        self.assertIn("config check FILE", r.stdout)

    def test_unknown_flag_is_a_usage_error(self):
        r = run_sonde(["--colector.cpu"])
        self.assertEqual(r.returncode, 2)
        self.assertIn('unknown argument "--colector.cpu"', r.stderr)

    def test_config_check_packaged_config(self):
        r = run_sonde(["config", "check", os.path.join(SOURCE_DIR, "config", "sonde.yaml")])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_config_check_good_fixtures(self):
        good = os.path.join(FIXTURES, "config", "good")
        files = sorted(f for f in os.listdir(good) if f.endswith(".yaml"))
        self.assertTrue(files)
        for f in files:
            r = run_sonde(["config", "check", os.path.join(good, f)])
            self.assertEqual(r.returncode, 0, f + ": " + r.stderr)

    def test_config_check_reports_every_error_with_position(self):
        path = write(self.tmp, "bad.yaml",
                     "web:\n  listen_address: 127.0.0.1:99999\n"
                     "collectors:\n  cpu:\n    intervall: 5s\n  loadavg:\n    interval: 0s\n")
        r = run_sonde(["config", "check", path])
        self.assertEqual(r.returncode, 1)
        lines = [l for l in r.stderr.splitlines() if l.startswith(path)]
        self.assertEqual(len(lines), 4, r.stderr)  # three errors and the summary
        self.assertRegex(lines[0], re.escape(path) + r":2:\d+: web\.listen_address: ")
        self.assertRegex(lines[1], re.escape(path) + r':5:\d+: collectors\.cpu.*"intervall"')
        self.assertRegex(lines[2], re.escape(path) + r":7:\d+: collectors\.loadavg\.interval: ")
        self.assertIn("3 errors", lines[3])

    def test_config_check_missing_file(self):
        r = run_sonde(["config", "check", os.path.join(self.tmp, "absent.yaml")])
        self.assertEqual(r.returncode, 1)
        self.assertIn("absent.yaml", r.stderr)

    def test_bad_config_at_start_exits_78_with_every_error(self):
        path = write(self.tmp, "bad.yaml",
                     "log:\n  level: loud\ncollectors:\n  vmstat:\n    fields: '(['\n")
        r = run_sonde(["--config", path, "--web.listen-address", "127.0.0.1:0"])
        self.assertEqual(r.returncode, 78)
        self.assertIn(f"{path}:2:", r.stderr)
        self.assertIn(f"{path}:5:", r.stderr)

    def test_flags_override_the_file(self):
        path = write(self.tmp, "c.yaml", "web:\n  listen_address: 127.0.0.1:1\nlog:\n  level: error\n")
        s = self.sonde(args=["--config", path, "--web.listen-address", "127.0.0.1:0",
                             "--log.level", "info"])
        s.wait_ready()  # bound on the flag's address, not port 1
        self.assertIn("listening on 127.0.0.1:", s.log())  # info lines visible despite the file

    def test_bad_log_level_flag(self):
        r = run_sonde(["--log.level", "chatty"])
        self.assertEqual(r.returncode, 2)

    def open_files_limit(self, s):
        with open(f"/proc/{s.proc.pid}/limits") as f:
            line = [l for l in f if l.startswith("Max open files")][0]
        return [int(v) for v in line.split()[3:5]]

    def test_soft_open_files_limit_is_raised_to_the_hard_one(self):
        # As Go programs (node_exporter, Prometheus) do at start. prlimit execs sonde: same pid.
        s = self.sonde(wrapper=["prlimit", "--nofile=256:4096", "--"])
        s.wait_ready()
        self.assertEqual(self.open_files_limit(s), [4096, 4096])
        self.assertNotIn("open files limit", s.log())

    def test_a_hard_limit_below_the_connection_limits_is_a_warning(self):
        # 300 is below 256 + web.max_connections 512 + max_pending_connections 128: started,
        # and told.
        s = self.sonde(wrapper=["prlimit", "--nofile=300:300", "--"])
        s.wait_ready()
        self.assertEqual(self.open_files_limit(s), [300, 300])
        self.assertIn("open files limit is 300 (hard limit 300), below the 896 that "
                      "web.max_connections and web.max_pending_connections may need", s.log())
        # The unixstream listener is off by default: its limit is neither counted nor named.
        self.assertNotIn("unixstream", s.log())


if __name__ == "__main__":
    unittest.main()
