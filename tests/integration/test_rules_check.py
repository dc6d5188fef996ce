"""`sonde rules check` beside `promtool check rules` (Prometheus 2.42, Debian) on the same files:
the same verdict (exit code) on every file, the same output where sonde's messages are promtool's."""
import glob
import os
import re
import subprocess
import unittest

from harness import DEADLINE, FIXTURES, SONDE_BIN, SondeTestCase, require_tool

RULES = os.path.join(FIXTURES, "rules")
BAD = os.path.join(RULES, "bad")
AWESOME = os.path.join(RULES, "awesome-prometheus-alerts")
PROMTOOL_DATA = os.path.join(RULES, "promtool-2.42")


def run(cmd, cwd):
    return subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=DEADLINE * 4)


def header(path, key):
    """The value of a `# key: value` line at the top of a fixture, or None."""
    with open(path) as f:
        for line in f:
            m = re.match(r"#\s*" + key + r":\s?(.*)$", line.rstrip("\n"))
            if m:
                return m.group(1)
            if not line.startswith("#"):
                break
    return None


class RulesCheck(SondeTestCase):
    def setUp(self):
        self.promtool = require_tool("promtool")

    def both(self, args, cwd):
        """Runs `promtool check rules ARGS` and `sonde rules check ARGS` in `cwd`."""
        p = run([self.promtool, "check", "rules"] + args, cwd)
        s = run([SONDE_BIN, "rules", "check"] + args, cwd)
        return p, s

    def test_bad_fixtures_have_promtools_verdict_and_message(self):
        files = sorted(os.path.basename(f) for f in glob.glob(os.path.join(BAD, "*.yml")))
        self.assertGreaterEqual(len(files), 30)
        for name in files:
            with self.subTest(file=name):
                expect = header(os.path.join(BAD, name), "expect")
                self.assertTrue(expect, f"{name} has no '# expect:' line")
                p, s = self.both([name], BAD)
                self.assertEqual(s.returncode, p.returncode, s.stdout + s.stderr)
                self.assertIn(expect, p.stdout + p.stderr, "the fixture's expectation is stale")
                self.assertIn(expect, s.stdout + s.stderr)
                self.assertEqual(s.stdout, p.stdout)
                why = header(os.path.join(BAD, name), "wording")
                if why is None:
                    self.assertEqual(s.stderr, p.stderr)
                else:  # the one place sonde's words differ: YAML syntax errors (yaml-cpp)
                    self.assertEqual(len(s.stderr.splitlines()), len(p.stderr.splitlines()))

    def test_all_bad_fixtures_in_one_run(self):
        files = sorted(os.path.basename(f) for f in glob.glob(os.path.join(BAD, "*.yml")))
        p, s = self.both(files, BAD)
        self.assertEqual(p.returncode, 1)
        self.assertEqual(s.returncode, 1)
        self.assertEqual(s.stdout, p.stdout)

    def test_duplicate_rules_lint(self):
        name = "duplicate_rules.yml"
        for args, code in (([], 0), (["--lint-fatal"], 3), (["--lint=none", "--lint-fatal"], 0),
                           (["--lint", "all", "--lint-fatal"], 3)):
            with self.subTest(args=args):
                p, s = self.both(args + [name], BAD)
                self.assertEqual(p.returncode, code)
                self.assertEqual(s.returncode, code, s.stderr)
                self.assertEqual((s.stdout, s.stderr), (p.stdout, p.stderr))
        # A lint problem beside a real error: exit 1.
        p, s = self.both(["--lint-fatal", name, "bad_for.yml"], BAD)
        self.assertEqual((p.returncode, s.returncode), (1, 1))

    def test_command_line_errors(self):
        for args in ([], ["missing.yml"], ["--bogus", "bad_for.yml"], ["."]):
            with self.subTest(args=args):
                p, s = self.both(args, BAD)
                self.assertEqual(p.returncode, 1)
                self.assertEqual(s.returncode, 1)
                self.assertEqual(s.stdout, "")
                self.assertRegex(s.stderr, r"^sonde: error: ")
        p, s = self.both(["--lint=sloppy", "duplicate_rules.yml"], BAD)
        self.assertEqual((s.returncode, s.stdout), (p.returncode, p.stdout))

    def test_awesome_prometheus_alerts_all_accepted(self):
        files = sorted(os.path.relpath(f, AWESOME)
                       for f in glob.glob(os.path.join(AWESOME, "**", "*.yml"), recursive=True))
        self.assertEqual(len(files), 112)
        p, s = self.both(files, AWESOME)
        self.assertEqual(p.returncode, 0, p.stderr)
        self.assertEqual(s.returncode, 0, s.stderr)
        self.assertEqual(s.stderr, "")
        self.assertEqual(s.stdout, p.stdout)
        counts = [int(n) for n in re.findall(r"SUCCESS: (\d+) rules found", s.stdout)]
        self.assertEqual(len(counts), 112)
        self.assertEqual(sum(counts), 954)

    def test_promtool_testdata_verdicts(self):
        verdicts = {}
        with open(os.path.join(PROMTOOL_DATA, "promtool-verdicts.txt")) as f:
            for line in f:
                m = re.match(r"check rules (\S+): (\d+)$", line.strip())
                if m:
                    verdicts[m.group(1)] = int(m.group(2))
        self.assertEqual(len(verdicts), 8)
        for name, code in sorted(verdicts.items()):
            with self.subTest(file=name):
                p, s = self.both([name], PROMTOOL_DATA)
                self.assertEqual(p.returncode, code)
                self.assertEqual(s.returncode, code, s.stderr)
                self.assertEqual((s.stdout, s.stderr), (p.stdout, p.stderr))


if __name__ == "__main__":
    unittest.main()
