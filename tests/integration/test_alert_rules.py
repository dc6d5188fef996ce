"""Alert and recording rules evaluated by the real binary over its own host and ingest series: a
DogStatsD error burst makes an alert go pending then firing (ALERTS at /metrics, /api/v1/alerts),
and it resolves when the burst ends; recorded series publish without global.series_labels; SIGHUP with an unchanged file
keeps the alert's state, and a broken rule file keeps the old rules running (counted);
`sonde config check` reports rule-file errors."""
import json
import os
import shutil
import signal
import socket
import tempfile
import threading
import time

from harness import SondeTestCase, free_port, parse_exposition, run_sonde

RULES = """groups:
- name: app
  interval: 1s
  rules:
  - record: app:errors:rate
    expr: sum by (instance, job) (rate(app_errors_total[3s]))
  - record: host:memory:total_bytes
    expr: sum by (instance, job) (node_memory_MemTotal_bytes)
  - alert: ErrorBurst
    expr: rate(app_errors_total[3s]) > 0
    for: 2s
    labels: {severity: page}
    annotations: {summary: "{{ $labels.instance }} errors at {{ $value }}"}
"""

CONFIG = """
rules:
  files: [rules/*.yml]
  evaluation_interval: 1s
"""


class Burst:
    """Sends app.errors:1|c every 50 ms from a thread until stopped."""

    def __init__(self, path):
        self.path = path
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)

    def run(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as c:
            while not self.stopped.is_set():
                try:
                    c.sendto(b"app.errors:1|c", self.path)
                except (ConnectionRefusedError, FileNotFoundError):
                    pass  # sonde was killed mid-burst (the restart tests)
                time.sleep(0.05)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join()


class AlertRules(SondeTestCase):
    def start(self, rules=RULES):
        s = self.sonde(start=False)
        os.makedirs(os.path.join(s.tmp, "rules"))
        self.rule_file = os.path.join(s.tmp, "rules", "app.yml")
        with open(self.rule_file, "w") as f:
            f.write(rules)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(CONFIG)
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()
        return s

    def samples(self, s):
        return parse_exposition(s.metrics())

    def alerts(self, s):
        samples, _, _ = self.samples(s)
        return {dict(labels)["alertstate"]: labels for (name, labels), _ in samples.items()
                if name == "ALERTS"}

    def test_burst_pending_firing_resolved(self):
        s = self.start()
        group = os.path.realpath(self.rule_file) + ";app"
        with Burst(os.path.join(s.tmp, "dsd.sock")):
            pending = self.wait_for(s, "a pending alert", lambda: self.alerts(s).get("pending"))
            labels = dict(pending)
            self.assertEqual(labels["alertname"], "ErrorBurst")
            self.assertEqual(labels["severity"], "page")
            self.assertEqual(labels["job"], "sonde")
            self.assertRegex(labels["instance"], r":\d+$")
            self.wait_for(s, "the alert firing", lambda: self.alerts(s).get("firing"))
            samples, types, _ = self.samples(s)
            self.assertEqual(types["ALERTS"], "gauge")
            for_state = [v for (n, l), v in samples.items() if n == "ALERTS_FOR_STATE"]
            self.assertEqual(len(for_state), 1)
            self.assertLessEqual(for_state[0], time.time())
            self.assertGreater(for_state[0], time.time() - 60)
            # The recorded series: the rate of the burst, without instance and job.
            rec = {l: v for (n, l), v in samples.items() if n == "app:errors:rate"}
            self.assertEqual(list(rec), [frozenset()], rec)
            self.assertGreater(list(rec.values())[0], 5)
            # A rule over the host's own series (the meminfo collector's).
            mem = {l: v for (n, l), v in samples.items() if n == "host:memory:total_bytes"}
            self.assertEqual(list(mem), [frozenset()], mem)
            self.assertGreater(list(mem.values())[0], 1 << 20)
            # /api/v1/alerts lists it, firing, with its annotation expanded.
            status, _, body = s.get("/api/v1/alerts")
            self.assertEqual(status, 200)
            listed = json.loads(body)["data"]["alerts"]
            self.assertEqual([(a["labels"]["alertname"], a["state"]) for a in listed],
                             [("ErrorBurst", "firing")])
            self.assertRegex(listed[0]["annotations"]["summary"], r":\d+ errors at \d")
            key = frozenset({("rule_group", group)})
            self.assertEqual(samples[("sonde_rule_group_rules", key)], 3)
            self.assertGreater(samples[("sonde_rule_evaluations_total", key)], 0)
            self.assertEqual(samples[("sonde_rule_evaluation_failures_total", key)], 0)
            self.assertEqual(samples[("sonde_rule_group_interval_seconds", key)], 1)
            self.assertGreaterEqual(samples[("sonde_rule_history_series", frozenset())], 1)

            # SIGHUP with the same rules: the firing alert keeps its active-since.
            s.proc.send_signal(signal.SIGHUP)
            self.wait_for(s, "the reload", lambda: "configuration reloaded" in s.log())
            time.sleep(1.5)
            samples, _, _ = self.samples(s)
            after = [v for (n, l), v in samples.items() if n == "ALERTS_FOR_STATE"]
            self.assertEqual(after, for_state)
            self.assertIn("firing", self.alerts(s))
        # The burst is over: once the 3 s window has no increase, the alert resolves.
        self.wait_for(s, "the alert resolved", lambda: not self.alerts(s))
        _, _, body = s.get("/api/v1/alerts")
        self.assertEqual(json.loads(body)["data"]["alerts"], [])
        samples, _, _ = self.samples(s)
        self.assertFalse([n for (n, l) in samples if n == "ALERTS_FOR_STATE"])

    def test_broken_rule_file_keeps_the_old_rules(self):
        s = self.start()
        key = frozenset({("rule_group", os.path.realpath(self.rule_file) + ";app")})

        def evaluations():
            return self.samples(s)[0].get(("sonde_rule_evaluations_total", key), 0)

        before = self.wait_for(s, "an evaluation", evaluations)
        with open(self.rule_file, "w") as f:
            f.write("groups:\n- name: app\n  rules:\n  - alert: X\n    expr: rate(\n")
        s.proc.send_signal(signal.SIGHUP)
        self.wait_for(s, "the failed load", lambda: "does not load" in s.log())
        self.assertIn("could not parse expression", s.log())
        self.wait_for(s, "evaluations going on", lambda: evaluations() > before + 2)
        samples, _, _ = self.samples(s)
        self.assertEqual(samples[("sonde_rule_group_load_failures_total", frozenset())], 1)
        self.assertEqual(samples[("sonde_rule_group_rules", key)], 3)
        # The old rules still alert.
        with Burst(os.path.join(s.tmp, "dsd.sock")):
            self.wait_for(s, "the old rule firing", lambda: self.alerts(s).get("firing"))


class Restart(SondeTestCase):
    def test_kill_9_while_firing_keeps_the_alert_firing(self):
        work = tempfile.mkdtemp(prefix="sonde-it-state-")
        self.addCleanup(shutil.rmtree, work, True)
        os.makedirs(os.path.join(work, "rules"))
        with open(os.path.join(work, "rules", "app.yml"), "w") as f:
            f.write(RULES)
        config = os.path.join(work, "sonde.yaml")
        with open(config, "w") as f:
            f.write(CONFIG)
        env = {"STATE_DIRECTORY": os.path.join(work, "state")}
        checks = AlertRules()  # its helpers, on these sondes
        # The same address for both runs: the default `instance` label is hostname:port, and
        # with port 0 the restarted sonde's alert would have other labels than the restored one.
        args = ["--config", config, "--web.listen-address", f"127.0.0.1:{free_port()}"]

        first = self.sonde(args=args, env=env)
        first.wait_ready()
        with Burst(os.path.join(first.tmp, "dsd.sock")):
            checks.wait_for(first, "the alert firing", lambda: checks.alerts(first).get("firing"))
            time.sleep(1.5)  # a cycle with the firing alert written to the state file
            samples, _, _ = checks.samples(first)
            for_state = [v for (n, l), v in samples.items() if n == "ALERTS_FOR_STATE"]
            first.kill()
        with open(os.path.join(work, "state", "rules-state.json")) as f:
            state = json.load(f)
        self.assertEqual([a["state"] for a in state["alerts"]], ["firing"])

        second = self.sonde(args=args, env=env)
        checks.wait_for(second, "the restore", lambda: "restored 1 alert(s)" in second.log())
        second.wait_ready()
        with Burst(os.path.join(second.tmp, "dsd.sock")):
            seen = checks.wait_for(second, "ALERTS after the restart",
                                   lambda: checks.alerts(second))
            # Firing at once, never pending again, with its original active-since.
            self.assertEqual(list(seen), ["firing"])
            samples, _, _ = checks.samples(second)
            after = [v for (n, l), v in samples.items() if n == "ALERTS_FOR_STATE"]
            self.assertEqual(after, for_state)


class ConfigCheck(SondeTestCase):
    def test_config_check_reports_rule_file_errors(self):
        s = self.sonde(start=False)
        os.makedirs(os.path.join(s.tmp, "rules"))
        with open(os.path.join(s.tmp, "rules", "bad.yml"), "w") as f:
            f.write("groups:\n- name: g\n  rules:\n  - alert: X\n    expr: up ==\n")
        with open(os.path.join(s.tmp, "rules", "good.yml"), "w") as f:
            f.write(RULES)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(CONFIG)
        r = run_sonde(["config", "check", path])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        bad = os.path.join(s.tmp, "rules", "bad.yml")
        self.assertIn(bad + ': 5:11: group "g", rule 1, "X": could not parse expression', r.stderr)
        self.assertIn(path + ": 1 error in rule files", r.stderr)
        os.remove(bad)
        r = run_sonde(["config", "check", path])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, path + ": ok (1 rule file)\n")


if __name__ == "__main__":
    import unittest
    unittest.main()
