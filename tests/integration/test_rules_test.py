"""`sonde rules test` beside `promtool test rules` (Prometheus 2.42, Debian) on the same files.

Every `*.yml` under tests/rules/ (recursively, tests/rules/shipped/ included) whose first line is
`# expect: SUCCESS` or `# expect: FAILED` is run under both; both must give the stated verdict
(exit code 0 or 1) and print the same text: stdout always, stderr unless the file says in a
`# wording: why` header line that sonde's words differ there. The unit-test files of
../shared/corpus/promtool-testdata-v2.42/ must get promtool's verdicts (promtool-verdicts.txt)
from sonde and from promtool."""
import glob
import os
import re
import unittest

from harness import SONDE_BIN, SOURCE_DIR, SondeTestCase, require_tool
# The same helpers as `sonde rules check`'s test: run a command, read a `# key: value` header.
from test_rules_check import header, run

RULE_TESTS = os.path.join(SOURCE_DIR, "tests", "rules")


def corpus_dir():
    for base in (os.path.join(SOURCE_DIR, "..", "shared"),
                 os.path.join(SOURCE_DIR, "..", "..", "shared"), "/work/shared"):
        d = os.path.join(base, "corpus", "promtool-testdata-v2.42")
        if os.path.isdir(d):
            return d
    raise AssertionError("../shared/corpus/promtool-testdata-v2.42 not found")


def test_files():
    """Every test file under tests/rules/: a .yml whose first line starts with `# expect: `."""
    out = []
    for path in sorted(glob.glob(os.path.join(RULE_TESTS, "**", "*.yml"), recursive=True)):
        with open(path) as f:
            first = f.readline()
        if first.startswith("# expect: "):
            out.append((path, first[len("# expect: "):].strip()))
    return out


class RulesTest(SondeTestCase):
    def setUp(self):
        self.promtool = require_tool("promtool")

    def both(self, path):
        cwd, name = os.path.split(path)
        p = run([self.promtool, "test", "rules", name], cwd)
        s = run([SONDE_BIN, "rules", "test", name], cwd)
        return p, s

    def test_rule_test_files_have_their_stated_verdict_under_both(self):
        files = test_files()
        own = [f for f in files if os.sep + "shipped" + os.sep not in f[0]]
        self.assertGreaterEqual(len(own), 40)
        self.assertGreaterEqual(sum(1 for _, e in own if e == "FAILED"), 10)
        for path, expect in files:
            with self.subTest(file=os.path.relpath(path, RULE_TESTS)):
                self.assertIn(expect, ("SUCCESS", "FAILED"), "first line: # expect: SUCCESS|FAILED")
                code = 0 if expect == "SUCCESS" else 1
                p, s = self.both(path)
                self.assertEqual(p.returncode, code, "promtool: " + p.stdout + p.stderr)
                self.assertEqual(s.returncode, code, "sonde: " + s.stdout + s.stderr)
                self.assertIn("  " + expect, (p.stdout if code == 0 else p.stderr))
                self.assertEqual(s.stdout, p.stdout)
                if header(path, "wording") is None:
                    self.assertEqual(s.stderr, p.stderr)
                else:
                    self.assertEqual(len(s.stderr.splitlines()), len(p.stderr.splitlines()))

    def test_value_failures_are_reported_as_promtool_lays_them_out(self):
        # A wrong value, a wrong annotation and a pending-vs-firing failure, byte for byte.
        for name, needle in (("float_not_exact.yml", "exp: {k=\"v\"} 3E-01\n        got: {k=\"v\"} 3.0000000000000004E-01"),
                             ("wrong_annotation.yml", "Annotations:{printf=\"85.2C\", value=\"85\"}"),
                             ("pending_is_not_firing.yml", "    name: pending is not firing,\n    alertname: InstanceDown, time: 4m, \n        exp:[\n            0:\n")):
            with self.subTest(file=name):
                p, s = self.both(os.path.join(RULE_TESTS, name))
                self.assertIn(needle, p.stderr)
                self.assertEqual(s.stderr, p.stderr)
                self.assertEqual(s.stdout, p.stdout)
                self.assertTrue(s.stdout.startswith("Unit Testing:  " + name + "\n"))

    def test_promtool_testdata_gets_promtools_verdicts(self):
        corpus = corpus_dir()
        verdicts = {}
        with open(os.path.join(corpus, "promtool-verdicts.txt")) as f:
            for line in f:
                m = re.match(r"test rules (\S+): (\d+)$", line.strip())
                if m:
                    verdicts[m.group(1)] = int(m.group(2))
        for path in glob.glob(os.path.join(corpus, "*test*.yml")):
            self.assertIn(os.path.basename(path), verdicts, "a test file without a verdict")
        self.assertGreaterEqual(len(verdicts), 8)
        for name, code in sorted(verdicts.items()):
            with self.subTest(file=name):
                p, s = self.both(os.path.join(corpus, name))
                self.assertEqual(p.returncode, code, p.stdout + p.stderr)
                self.assertEqual(s.returncode, code, s.stdout + s.stderr)
                self.assertEqual(s.stdout, p.stdout)

    def test_several_files_and_command_line_errors(self):
        names = ["float_exact.yml", "float_not_exact.yml", "scalar_results.yml"]
        p = run([self.promtool, "test", "rules"] + names, RULE_TESTS)
        s = run([SONDE_BIN, "rules", "test"] + names, RULE_TESTS)
        self.assertEqual((s.returncode, s.stdout, s.stderr), (p.returncode, p.stdout, p.stderr))
        self.assertEqual(s.returncode, 1)
        for args in ([], ["missing.yml"], ["rules"]):
            with self.subTest(args=args):
                p = run([self.promtool, "test", "rules"] + args, RULE_TESTS)
                s = run([SONDE_BIN, "rules", "test"] + args, RULE_TESTS)
                self.assertEqual(s.returncode, p.returncode)
                self.assertEqual(s.returncode, 1)
                self.assertEqual(s.stdout, "")


if __name__ == "__main__":
    unittest.main()
