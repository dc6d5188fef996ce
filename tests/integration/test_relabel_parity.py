"""core::relabel against the real Prometheus 2.42: the same label sets and relabel_configs give
the same target labels (or the same dropped targets), and the same configs are rejected.

Each case becomes a scrape job with one static target whose labels are the case's; Prometheus
relabels the target's discovered labels (job, __address__, __scheme__, ... plus ours) and reports
the result in /api/v1/targets. sonde's relabelling runs on exactly those discovered labels
(tests/relabel_tool) and must give the same labels."""

import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import DEADLINE, require_tool, start_prometheus

RELABEL_TOOL = os.environ.get("SONDE_RELABEL_TOOL", "")

CASES = [
    # Prometheus's TestRelabel, as target relabelling.
    ({"a": "foo", "b": "bar", "c": "baz"},
     [{"source_labels": ["a"], "regex": "f(.*)", "target_label": "d",
       "replacement": "ch${1}-ch${1}"}]),
    ({"a": "foo", "b": "bar", "c": "baz"},
     [{"source_labels": ["a", "b"], "regex": "f(.*);(.*)r", "target_label": "a",
       "replacement": "b${1}${2}m"},
      {"source_labels": ["c", "a"], "regex": "(b).*b(.*)ba(.*)", "target_label": "d",
       "replacement": "$1$2$2$3"}]),
    ({"a": "foo"}, [{"source_labels": ["a"], "regex": ".*o.*", "action": "drop"}]),
    ({"a": "foo"}, [{"source_labels": ["a"], "regex": "no-match", "action": "keep"}]),
    ({"a": "foo"}, [{"source_labels": ["a"], "regex": "f|o", "action": "drop"}]),
    ({"a": "boo"}, [{"source_labels": ["a"], "regex": "f", "target_label": "b",
                     "replacement": "bar"}]),
    ({"c": "baz"}, [{"source_labels": ["c"], "target_label": "d", "action": "hashmod",
                     "modulus": 1000}]),
    ({"c": "a long value to hash"},
     [{"source_labels": ["c", "job"], "target_label": "shard", "action": "hashmod",
       "modulus": 7}]),
    ({"a": "foo", "b1": "bar", "b2": "baz"},
     [{"regex": "(b.*)", "replacement": "bar_${1}", "action": "labelmap"}]),
    ({"a": "some-name-value"},
     [{"source_labels": ["a"], "regex": "some-([^-]+)-([^,]+)", "replacement": "${2}",
       "target_label": "${1}"}]),
    ({"a": "some-name-value"},
     [{"source_labels": ["a"], "regex": "some-([^-]+)-([^,]+)", "replacement": "${3}",
       "target_label": "${1}"}]),
    ({"tags": "path:/secret,job:some-job,label:foo=bar"},
     [{"source_labels": ["tags"], "regex": "(?:.+,|^)job:([^,]+).*", "target_label": "team"},
      {"source_labels": ["tags"], "regex": "(?:.+,|^)label:([^=]+)=([^,]+).*",
       "replacement": "${2}", "target_label": "${1}"}]),
    ({"a": "foo", "b1": "bar", "b2": "baz"}, [{"regex": "b.*", "action": "labeldrop"}]),
    ({"a": "foo", "b1": "bar", "b2": "baz"},
     [{"regex": "(b.*|__.*|job)", "action": "labelkeep"}]),
    ({"foo": "bAr123Foo"},
     [{"source_labels": ["foo"], "action": "uppercase", "target_label": "up"},
      {"source_labels": ["foo"], "action": "lowercase", "target_label": "low"}]),
    ({"p": "1234", "q": "1234", "r": "5678"},
     [{"source_labels": ["p"], "action": "keepequal", "target_label": "q"}]),
    ({"p": "1234", "q": "1234"},
     [{"source_labels": ["p"], "action": "dropequal", "target_label": "q"}]),
    ({"p": "1234", "r": "5678"},
     [{"source_labels": ["p"], "action": "keepequal", "target_label": "r"}]),
    # Go's template expansion: "$1x" names group "1x" (empty), $$, a malformed $, named groups.
    ({"a": "foo"}, [{"source_labels": ["a"], "regex": "(f)oo", "target_label": "t",
                     "replacement": "$1x|${1}x|$$|$-|${"}]),
    ({"a": "k=v"}, [{"source_labels": ["a"], "regex": "(?P<key>[a-z]+)=(?P<val>[a-z]+)",
                     "target_label": "$key", "replacement": "${val}!"}]),
    # An empty result deletes the target label; a missing source label is "".
    ({"a": "x", "t": "old"}, [{"source_labels": ["missing"], "target_label": "t"}]),
    ({"a": "x"}, [{"source_labels": ["a", "missing", "a"], "target_label": "t",
                   "separator": "--"}]),
    # 2.42: an expanded target that is not a label name deletes the label named as written.
    ({"a": "x-1"}, [{"source_labels": ["a"], "regex": "(.*)-(.*)", "target_label": "${2}",
                     "replacement": "v"}]),
    # 2.42: an empty result deletes the label named as written ("${1}"), not the expanded one.
    ({"a": "b-", "b": "old"}, [{"source_labels": ["a"], "regex": "(.*)-(.*)",
                               "target_label": "${1}", "replacement": "${2}"}]),
    # Anchoring: a partial match is no match.
    ({"a": "xfoo"}, [{"source_labels": ["a"], "regex": "foo", "target_label": "t",
                      "replacement": "hit"}]),
    # The instance label from __address__, overwritten or not.
    ({"a": "host1"}, [{"source_labels": ["a"], "target_label": "instance"}]),
]


def run_tool(cases):
    if not RELABEL_TOOL or not os.access(RELABEL_TOOL, os.X_OK):
        raise AssertionError("SONDE_RELABEL_TOOL is not set to the built sonde_relabel_tool")
    doc = {"cases": [{"labels": labels, "configs": configs} for labels, configs in cases]}
    r = subprocess.run([RELABEL_TOOL], input=json.dumps(doc), capture_output=True, text=True,
                       timeout=DEADLINE, check=True)
    return json.loads(r.stdout)


class RelabelParity(unittest.TestCase):
    def test_target_labels_match_prometheus(self):
        tmp = tempfile.mkdtemp(prefix="sonde-relabel-")
        self.addCleanup(subprocess.run, ["rm", "-rf", tmp])
        jobs = []
        for i, (labels, configs) in enumerate(CASES):
            jobs.append({"job_name": f"case{i}", "scrape_interval": "1h",
                         "static_configs": [{"targets": [f"127.0.0.1:{i + 1}"],
                                             "labels": labels}],
                         "relabel_configs": configs})
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            json.dump({"scrape_configs": jobs}, f)  # JSON is YAML
        check = subprocess.run([require_tool("promtool"), "check", "config", cfg],
                               capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        port = start_prometheus(self, cfg, f"{tmp}/data")

        deadline = time.monotonic() + 2 * DEADLINE
        active, dropped = [], []
        while time.monotonic() < deadline:
            try:
                url = f"http://127.0.0.1:{port}/api/v1/targets?state=any"
                with urllib.request.urlopen(url, timeout=5) as r:
                    data = json.load(r)["data"]
                active, dropped = data["activeTargets"], data["droppedTargets"]
                if len(active) + len(dropped) == len(CASES):
                    break
            except OSError:
                pass
            time.sleep(0.3)
        self.assertEqual(len(active) + len(dropped), len(CASES), (active, dropped))

        by_job = {}
        for t in active:
            by_job[t["discoveredLabels"]["job"]] = ("active", t)
        for t in dropped:
            by_job[t["discoveredLabels"]["job"]] = ("dropped", t)
        self.assertEqual(len(by_job), len(CASES))
        discovered = [by_job[f"case{i}"][1]["discoveredLabels"] for i in range(len(CASES))]
        ours = run_tool([(discovered[i], CASES[i][1]) for i in range(len(CASES))])
        for i, got in enumerate(ours):
            with self.subTest(case=i, configs=CASES[i][1]):
                state, target = by_job[f"case{i}"]
                self.assertNotIn("error", got)
                self.assertEqual(got["dropped"], state == "dropped", (got, target))
                if state == "active":
                    want = dict(target["labels"])
                    labels = {k: v for k, v in got["labels"].items() if not k.startswith("__")}
                    # Prometheus sets instance from __address__ when relabelling left none.
                    labels.setdefault("instance", got["labels"]["__address__"])
                    self.assertEqual(labels, want)

    def test_invalid_configs_are_rejected_with_prometheus_words(self):
        promtool = require_tool("promtool")
        bad = [
            {"action": "hashmod", "source_labels": ["a"], "target_label": "b"},
            {"action": "replace", "source_labels": ["a"], "target_label": "0${3}"},
            {"action": "replace", "source_labels": ["a"], "target_label": "-x"},
            {"action": "labelmap", "regex": "x", "replacement": "-$1"},
            {"action": "uppercase", "source_labels": ["a"], "target_label": "b",
             "replacement": "x"},
            {"action": "lowercase", "source_labels": ["a"]},
            {"action": "keepequal", "source_labels": ["a"], "target_label": "b", "regex": "(.*)"},
            {"action": "dropequal", "source_labels": ["a"], "target_label": "b",
             "separator": ","},
            {"action": "labeldrop", "source_labels": ["a"], "regex": "x"},
            {"action": "labelkeep", "target_label": "t", "regex": "x"},
            {"action": "copy"},
        ]
        tmp = tempfile.mkdtemp(prefix="sonde-relabel-")
        self.addCleanup(subprocess.run, ["rm", "-rf", tmp])
        ours = run_tool([({}, [c]) for c in bad])
        for i, c in enumerate(bad):
            with self.subTest(config=c):
                cfg = os.path.join(tmp, f"bad{i}.yml")
                with open(cfg, "w") as f:
                    json.dump({"scrape_configs": [{
                        "job_name": "x", "static_configs": [{"targets": ["a:1"]}],
                        "relabel_configs": [c]}]}, f)
                r = subprocess.run([promtool, "check", "config", cfg], capture_output=True,
                                   text=True, timeout=DEADLINE)
                self.assertNotEqual(r.returncode, 0)
                self.assertIn("error", ours[i])
                self.assertIn("parsing YAML file " + cfg + ": " + ours[i]["error"],
                              r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main()
