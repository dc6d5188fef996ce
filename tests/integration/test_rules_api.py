"""/api/v1/rules and /api/v1/alerts against the real Prometheus 2.42: both evaluate the same rule
file, Prometheus on what it scrapes from sonde, sonde on its own history (with the same instance
and job labels as the scrape attaches), and their answers are compared key by key and type by type.
Values that depend on time (evaluationTime, lastEvaluation, activeAt, keepFiringSince) are only
checked for their type and format. A missing prometheus binary fails the test."""
import json
import os
import re
import shutil
import tempfile
import time
import urllib.request
import urllib.error

from harness import DEADLINE, SondeTestCase, free_port, require_tool, start_prometheus

RULES = """groups:
- name: api
  interval: 1s
  rules:
  - record: job:up:sum
    expr: sum by (job) (up)
  - record: up:labelled
    expr: up
    labels: {team: ops}
  - alert: Up
    expr: up == 1
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} is up ({{ $value }})"}
  - alert: UpPending
    expr: up{job="sonde"} > 0
    for: 1h
    keep_firing_for: 5m
  - alert: Down
    expr: up == 0
- name: limited
  interval: 1s
  limit: 1
  rules:
  - alert: TooMany
    expr: up == 1 or label_replace(up, "copy", "1", "", "")
"""

# Go's time.Time in JSON: RFC 3339 with up to nanoseconds; Prometheus's group lastEvaluation is in
# the local zone, its rules' times in UTC; sonde's are all UTC.
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?(Z|[+-]\d\d:\d\d)$")
TIME_KEYS = {"lastEvaluation", "activeAt", "keepFiringSince"}
DURATION_KEYS = {"evaluationTime"}


def kind(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, (int, float)):
        return "int" if isinstance(v, int) else "float"
    return type(v).__name__


def normalized(body):
    text = body.decode()
    text = re.sub(r'"(lastEvaluation|activeAt|keepFiringSince)":"[^"]*"', r'"\1":"T"', text)
    return re.sub(r'"evaluationTime":[-+.e0-9]+', '"evaluationTime":0', text)


def sort_alerts(doc):
    """Prometheus lists a rule's alerts in a map's order: sort them by labels on both sides."""
    if isinstance(doc, dict):
        for k, v in doc.items():
            if k == "alerts" and isinstance(v, list):
                v.sort(key=lambda a: sorted(a["labels"].items()))
            sort_alerts(v)
    elif isinstance(doc, list):
        for v in doc:
            sort_alerts(v)
    return doc


class RulesApi(SondeTestCase):
    def setUp(self):
        require_tool("prometheus")
        work = tempfile.mkdtemp(prefix="sonde-it-api-")
        self.addCleanup(shutil.rmtree, work, True)
        work = os.path.realpath(work)
        self.rule_file = os.path.join(work, "rules.yml")
        with open(self.rule_file, "w") as f:
            f.write(RULES)
        port = free_port()
        self.instance = f"127.0.0.1:{port}"
        config = os.path.join(work, "sonde.yaml")
        with open(config, "w") as f:
            f.write(f"""
global:
  series_labels: {{instance: "{self.instance}", job: sonde}}
rules:
  files: [{self.rule_file}]
  evaluation_interval: 1s
""")
        self.s = self.sonde(args=["--config", config, "--web.listen-address", self.instance],
                            env={"STATE_DIRECTORY": os.path.join(work, "state")})
        self.s.wait_ready()
        prom_config = os.path.join(work, "prometheus.yml")
        with open(prom_config, "w") as f:
            # sonde's own ALERTS and recorded series are dropped from the scrape: Prometheus
            # writes its own under the same names.
            f.write(f"""
global: {{scrape_interval: 1s, evaluation_interval: 1s}}
rule_files: [{self.rule_file}]
scrape_configs:
- job_name: sonde
  static_configs: [{{targets: ["{self.instance}"]}}]
  metric_relabel_configs:
  - source_labels: [__name__]
    regex: "ALERTS|ALERTS_FOR_STATE|job:up:sum|up:labelled"
    action: drop
""")
        self.prom = start_prometheus(self, prom_config, os.path.join(work, "tsdb"))

    def prom_get(self, path):
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.prom}{path}",
                                        timeout=DEADLINE) as r:
                return r.status, r.headers.get("Content-Type"), r.read()
        except urllib.error.HTTPError as e:
            return e.code, e.headers.get("Content-Type"), e.read()
        except (urllib.error.URLError, ConnectionError):
            return None, None, b""

    def sonde_get(self, path):
        status, headers, body = self.s.get(path)
        return status, headers.get("content-type"), body

    def settled(self, doc):
        """Both sides have evaluated every rule: Up firing, UpPending pending, TooMany failed."""
        if not doc or doc.get("status") != "success":
            return False
        rules = {r["name"]: r for g in doc["data"]["groups"] for r in g["rules"]}
        return (rules.get("Up", {}).get("state") == "firing"
                and rules.get("UpPending", {}).get("state") == "pending"
                and rules.get("TooMany", {}).get("health") == "err"
                and all(r["health"] != "unknown" for r in rules.values()))

    def wait_settled(self):
        deadline = time.monotonic() + 2 * DEADLINE  # Prometheus takes a few seconds to start
        prom = sonde = None
        while time.monotonic() < deadline:
            status, _, body = self.prom_get("/api/v1/rules")
            prom = json.loads(body) if status == 200 else None
            status, _, body = self.sonde_get("/api/v1/rules")
            sonde = json.loads(body) if status == 200 else None
            if self.settled(prom) and self.settled(sonde):
                return
            time.sleep(0.2)
        raise AssertionError(f"rules never settled:\nprometheus: {prom}\nsonde: {sonde}\n"
                             + self.s.log())

    def compare(self, prom, sonde, path="$"):
        key = path.rsplit(".", 1)[-1]
        if key in DURATION_KEYS:
            self.assertIn(kind(prom), ("int", "float"), path)
            self.assertIn(kind(sonde), ("int", "float"), path)
            return
        if key in TIME_KEYS:
            self.assertRegex(prom, TIME, path)
            self.assertRegex(sonde, TIME, path)
            self.assertTrue(sonde.endswith("Z"), path)
            return
        self.assertEqual(kind(sonde), kind(prom), f"{path}: {sonde!r} vs {prom!r}")
        if isinstance(prom, dict):
            # Same keys in the same order (Go marshals struct fields in order, map keys sorted).
            self.assertEqual(list(sonde), list(prom), path)
            for k in prom:
                self.compare(prom[k], sonde[k], f"{path}.{k}")
        elif isinstance(prom, list):
            self.assertEqual(len(sonde), len(prom), f"{path}: {sonde!r} vs {prom!r}")
            for i, (p, s) in enumerate(zip(prom, sonde)):
                self.compare(p, s, f"{path}[{i}]")
        else:
            self.assertEqual(sonde, prom, path)

    def compare_endpoint(self, path):
        p_status, p_type, p_body = self.prom_get(path)
        s_status, s_type, s_body = self.sonde_get(path)
        self.assertEqual(s_status, p_status, path)
        self.assertEqual(s_type, p_type, path)
        prom, sonde = sort_alerts(json.loads(p_body)), sort_alerts(json.loads(s_body))
        self.compare(prom, sonde, path)
        # And byte for byte once the times are blanked (Go's escapes of <, > and & included):
        # each rule here has at most one alert, so Prometheus's map order cannot differ.
        self.assertEqual(normalized(s_body), normalized(p_body), path)
        return prom, sonde

    def test_rules_and_alerts_match_prometheus(self):
        self.wait_settled()
        prom, sonde = self.compare_endpoint("/api/v1/rules")
        # What the comparison covered, so that a vacuous pass cannot hide here.
        rules = {r["name"]: r for g in sonde["data"]["groups"] for r in g["rules"]}
        self.assertEqual(sorted(rules), sorted(["job:up:sum", "up:labelled", "Up", "UpPending",
                                                "Down", "TooMany"]))
        self.assertEqual(rules["Up"]["alerts"][0]["labels"],
                         {"alertname": "Up", "instance": self.instance, "job": "sonde",
                          "severity": "page"})
        self.assertEqual(rules["Up"]["alerts"][0]["annotations"],
                         {"summary": f"{self.instance} is up (1)"})
        self.assertEqual(rules["Up"]["alerts"][0]["value"], "1e+00")
        self.assertEqual(rules["TooMany"]["lastError"], "exceeded limit of 1 with 2 alerts")
        self.assertEqual(rules["UpPending"]["keepFiringFor"], 300)

        self.compare_endpoint("/api/v1/rules?type=alert")
        self.compare_endpoint("/api/v1/rules?type=RECORD")
        _, sonde = self.compare_endpoint("/api/v1/rules?type=bogus")
        self.assertEqual(sonde["errorType"], "bad_data")

        _, sonde = self.compare_endpoint("/api/v1/alerts")
        states = sorted((a["labels"]["alertname"], a["state"]) for a in sonde["data"]["alerts"])
        self.assertEqual(states, [("Up", "firing"), ("UpPending", "pending")])


if __name__ == "__main__":
    import unittest
    unittest.main()
