"""The alert rules that ship (config/rules/*.yml, docs/alerts.md) under promtool 2.42 and sonde:

- every tests/rules/shipped/*.yml states its verdict on its first line (`# expect: SUCCESS` or
  `# expect: FAILED`) and `promtool test rules` gives that verdict;
- `promtool check rules` and `sonde rules check` accept every shipped file, with the same output;
- every shipped alert (each name and severity) fires in some test, and each alert name is checked
  silent before it fires and after it resolves within one test;
- every rule has a severity (warning or critical), a summary, a description naming the instance
  (and its value, unless the value is only 0 or 1), and a runbook_url whose anchor is a heading
  of docs/alerts.md; the thresholds docs/alerts.md lists are the ones in the files;
- sonde started on the packaged config (its `rules.files` pointed at the source tree) loads the
  three files and evaluates every rule without error on this host's series.
"""
import glob
import json
import os
import re
import subprocess
import time

import yaml

from harness import DEADLINE, SONDE_BIN, SOURCE_DIR, SondeTestCase, require_tool

RULES_DIR = os.path.join(SOURCE_DIR, "config", "rules")
TESTS_DIR = os.path.join(SOURCE_DIR, "tests", "rules", "shipped")
ALERTS_MD = os.path.join(SOURCE_DIR, "docs", "alerts.md")
SHIPPED = ["app.yml", "gpu.yml", "host.yml"]
# Rules whose value is only 1 (a condition): their description names what, not a value.
BOOLEAN_VALUED = {"HostFilesystemReadOnly", "HostClockNotSynchronised", "SondeCollectorFailing",
                  "GpuDisappeared"}


def run(cmd, cwd=None):
    return subprocess.run(cmd, cwd=cwd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          timeout=DEADLINE * 4)


def alerting_rules():
    """(file, rule) for every alerting rule of the shipped files."""
    out = []
    for name in SHIPPED:
        with open(os.path.join(RULES_DIR, name)) as f:
            for group in yaml.safe_load(f)["groups"]:
                out += [(name, r) for r in group["rules"] if "alert" in r]
    return out


def github_anchor(heading):
    """The anchor GitHub gives a Markdown heading: lower case, punctuation dropped, spaces '-'."""
    text = re.sub(r"[^\w\- ]", "", heading.strip().lower())
    return text.replace(" ", "-")


class ShippedRules(SondeTestCase):
    def setUp(self):
        self.promtool = require_tool("promtool")

    def test_files_are_the_shipped_three(self):
        self.assertEqual(sorted(os.path.basename(p) for p in glob.glob(RULES_DIR + "/*.yml")),
                         SHIPPED)

    def test_promtool_gives_each_test_file_its_stated_verdict(self):
        files = sorted(glob.glob(os.path.join(TESTS_DIR, "*.yml")))
        self.assertGreaterEqual(len(files), 10)
        verdicts = {}
        for path in files:
            name = os.path.basename(path)
            with self.subTest(file=name):
                with open(path) as f:
                    first = f.readline().rstrip("\n")
                m = re.fullmatch(r"# expect: (SUCCESS|FAILED)", first)
                self.assertTrue(m, f"{name}: first line is {first!r}")
                verdicts[name] = m.group(1)
                r = run([self.promtool, "test", "rules", name], cwd=TESTS_DIR)
                out = r.stdout + r.stderr
                if m.group(1) == "SUCCESS":
                    self.assertEqual(r.returncode, 0, out)
                    self.assertIn("  SUCCESS", r.stdout, out)
                else:
                    self.assertEqual(r.returncode, 1, out)
                    self.assertIn("FAILED:", out)
                    # Failing on a value, not on a file that does not load.
                    self.assertIn("exp:", out)
                    self.assertNotIn("yaml:", out)
        self.assertIn("FAILED", verdicts.values(), "no deliberately failing file")

    def test_promtool_and_sonde_check_the_shipped_files_alike(self):
        paths = [os.path.join("config", "rules", n) for n in SHIPPED]
        p = run([self.promtool, "check", "rules"] + paths, cwd=SOURCE_DIR)
        s = run([SONDE_BIN, "rules", "check"] + paths, cwd=SOURCE_DIR)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(s.returncode, 0, s.stdout + s.stderr)
        self.assertEqual(s.stdout, p.stdout)
        self.assertEqual(s.stderr, p.stderr)
        self.assertEqual(p.stdout.count("SUCCESS"), 3)

    def test_every_alert_fires_and_is_silent_before_and_after_in_some_test(self):
        fired = set()  # (alertname, severity)
        bracketed = set()  # alert names seen silent, firing, silent again in one test
        for path in sorted(glob.glob(os.path.join(TESTS_DIR, "*.yml"))):
            with open(path) as f:
                if f.readline().strip() != "# expect: SUCCESS":
                    continue
                doc = yaml.safe_load(f)
            for test in doc["tests"]:
                checks = {}
                for c in test.get("alert_rule_test", []):
                    checks.setdefault(c["alertname"], []).append(c)
                for name, cs in checks.items():
                    cs.sort(key=lambda c: parse_duration(c["eval_time"]))
                    states = [bool(c.get("exp_alerts")) for c in cs]
                    for c in cs:
                        for a in c.get("exp_alerts") or []:
                            fired.add((name, a["exp_labels"]["severity"]))
                    if True in states:
                        first, last = states.index(True), len(states) - 1 - states[::-1].index(True)
                        if False in states[:first] and False in states[last:]:
                            bracketed.add(name)
        want = {(r["alert"], r["labels"]["severity"]) for _, r in alerting_rules()}
        self.assertEqual(sorted(want - fired), [], "alerts no test sees firing")
        self.assertEqual(sorted({n for n, _ in want} - bracketed), [],
                         "alerts no test sees silent before firing and after resolving")

    def test_labels_annotations_and_runbooks(self):
        with open(ALERTS_MD) as f:
            doc = f.read()
        anchors = {github_anchor(m.group(1)) for m in re.finditer(r"^#+ (.*)$", doc, re.M)}
        rules = alerting_rules()
        self.assertGreaterEqual(len(rules), 30)
        for file, r in rules:
            with self.subTest(alert=r["alert"], severity=r.get("labels", {}).get("severity")):
                self.assertIn(r["labels"].get("severity"), ("warning", "critical"))
                a = r["annotations"]
                self.assertEqual(sorted(a), ["description", "runbook_url", "summary"])
                self.assertIn("$labels.instance", a["summary"])
                self.assertIn("$labels.instance", a["description"])
                if r["alert"] not in BOOLEAN_VALUED:
                    self.assertIn("$value", a["description"])
                m = re.fullmatch(r"docs/alerts\.md#([a-z0-9-]+)", a["runbook_url"])
                self.assertTrue(m, a["runbook_url"])
                self.assertEqual(m.group(1), r["alert"].lower())
                self.assertIn(m.group(1), anchors, "no such heading in docs/alerts.md")
                # docs/alerts.md's section names the rule's file.
                self.assertIn(f"`{r['alert']}`", doc)

    def test_docs_list_the_thresholds_the_files_use(self):
        """Each `threshold:` comment of the files is quoted in docs/alerts.md's table, so the
        values users tune are the same in both places."""
        with open(ALERTS_MD) as f:
            doc = f.read()
        count = 0
        for name in SHIPPED:
            with open(os.path.join(RULES_DIR, name)) as f:
                text = f.read()
            for m in re.finditer(r"# threshold: (.*(?:\n\s*# (?!threshold).*)*)", text):
                count += 1
                first = m.group(1).splitlines()[0]
                # The numbers of the comment's first line appear in the docs' table.
                for num in re.findall(r"\d+(?:\.\d+)?", first):
                    self.assertIn(num, doc, f"{name}: threshold {first!r}")
        self.assertGreaterEqual(count, 20)

    def test_sonde_loads_and_evaluates_them_from_the_packaged_config(self):
        with open(os.path.join(SOURCE_DIR, "config", "sonde.yaml")) as f:
            packaged = f.read()
        line = "  files: [/usr/share/sonde/rules/*.yml]\n"
        self.assertIn(line, packaged)
        config = packaged.replace(line, f"  files: [{RULES_DIR}/*.yml]\n  evaluation_interval: 1s\n")
        s = self.sonde(config=config)
        s.wait_ready()
        deadline = time.monotonic() + DEADLINE
        while True:
            status, _, body = s.get("/api/v1/rules")
            self.assertEqual(status, 200)
            groups = {g["name"]: g for g in json.loads(body)["data"]["groups"]}
            self.assertEqual(sorted(groups), ["app", "gpu", "host"])
            rules = [r for g in groups.values() for r in g["rules"]]
            errors = [(r["name"], r.get("lastError")) for r in rules if r["health"] == "err"]
            self.assertEqual(errors, [])
            if all(r["health"] == "ok" for r in rules):
                break
            self.assertLess(time.monotonic(), deadline, "the rules were never all evaluated")
            time.sleep(0.2)
        self.assertEqual(len(rules), len(alerting_rules()))
        self.assertEqual({g["file"] for g in groups.values()},
                         {os.path.join(RULES_DIR, n) for n in SHIPPED})


def parse_duration(text):
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400}
    total = 0.0
    for num, unit in re.findall(r"(\d+)(ms|s|m|h|d)", str(text)):
        total += int(num) * units[unit]
    return total


if __name__ == "__main__":
    import unittest

    unittest.main()
