"""Alert state across kill -9 with the real binary and its real state file (rules.state_file in
$STATE_DIRECTORY): a firing alert comes back firing with its active-since unchanged; a pending one
comes back pending with its active-since shifted by the downtime; `rate(x[5m]) > 0` with
`for: 10m` stays firing through the warm-up (no resolve, no new pending period); a changed
expression drops its old alerts; a corrupt or unusable state file never stops sonde. Times are
read from /api/v1/alerts (ms) and the state file."""
import datetime
import json
import os
import re
import shutil
import tempfile
import time

from harness import SondeTestCase, free_port, parse_exposition
from test_alert_rules import Burst

CONFIG = """
rules:
  files: [rules.yml]
  evaluation_interval: 1s
"""

# sonde's own `up{instance,job} 1` holds every evaluation: no traffic needed.
UP_RULES = """groups:
- name: up
  interval: 1s
  rules:
  - alert: UpFiring
    expr: up == 1
    for: 2s
  - alert: UpPending
    expr: up == 1
    for: 1h
"""

RATE_RULES = """groups:
- name: rate
  interval: 1s
  rules:
  - alert: ErrorsRising
    expr: rate(app_errors_total[5m]) > 0
    for: 10m
"""

GO_TIME = re.compile(r"^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$")


def ms_of(go_time):
    """Milliseconds since the epoch of sonde's RFC 3339 time (UTC, 'Z')."""
    m = GO_TIME.match(go_time)
    assert m, go_time
    t = datetime.datetime.strptime(m.group(1), "%Y-%m-%dT%H:%M:%S")
    t = t.replace(tzinfo=datetime.timezone.utc)
    frac = (m.group(2) or "").ljust(3, "0")[:3]
    return int(t.timestamp()) * 1000 + int(frac)


class Restart(SondeTestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="sonde-it-restart-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.config = os.path.join(self.work, "sonde.yaml")
        with open(self.config, "w") as f:
            f.write(CONFIG)
        self.state = os.path.join(self.work, "state", "rules-state.json")
        # One listen address for both runs, as in production: the default `instance` label is
        # hostname:port, and an alert is the same alert only with the same labels.
        self.listen = f"127.0.0.1:{free_port()}"

    def write_rules(self, text):
        with open(os.path.join(self.work, "rules.yml"), "w") as f:
            f.write(text)

    def start(self):
        s = self.sonde(args=["--config", self.config, "--web.listen-address", self.listen],
                       env={"STATE_DIRECTORY": os.path.join(self.work, "state")})
        s.wait_ready()
        return s

    def alerts(self, s):
        """/api/v1/alerts by alertname."""
        status, _, body = s.get("/api/v1/alerts")
        self.assertEqual(status, 200)
        return {a["labels"]["alertname"]: a for a in json.loads(body)["data"]["alerts"]}

    def alerts_series(self, s):
        samples, _, _ = parse_exposition(s.metrics())
        return {(dict(l)["alertname"], dict(l)["alertstate"]) for (n, l), _ in samples.items()
                if n == "ALERTS"}

    def saved(self):
        """The state file's alerts by rule name (read once sonde is dead: no write in between)."""
        with open(self.state) as f:
            doc = json.load(f)
        return doc, {a["rule"]: a for a in doc["alerts"]}

    def saved_states(self):
        try:
            with open(self.state) as f:
                return {a["rule"]: a["state"] for a in json.load(f)["alerts"]}
        except (OSError, ValueError):
            return {}

    def test_kill_9_while_firing_and_while_pending(self):
        self.write_rules(UP_RULES)
        first = self.start()
        self.wait_for(first, "UpFiring firing in the state file", lambda: self.saved_states() == {
            "UpFiring": "firing", "UpPending": "pending"})
        before = self.alerts(first)
        first.kill()  # SIGKILL: no shutdown path runs
        killed_at = time.time()
        doc, saved = self.saved()
        # The API and the state file agree on the times, to the millisecond.
        self.assertEqual(ms_of(before["UpFiring"]["activeAt"]), saved["UpFiring"]["active_at_ms"])
        self.assertEqual(ms_of(before["UpPending"]["activeAt"]),
                         saved["UpPending"]["active_at_ms"])
        self.assertGreater(saved["UpFiring"]["fired_at_ms"], saved["UpFiring"]["active_at_ms"])
        last = doc["last_evaluation_ms"]

        time.sleep(2)  # the downtime
        started = time.time()
        second = self.start()
        self.wait_for(second, "the restore", lambda: "restored 2 alert(s)" in second.log())
        restored = time.time()
        after = self.alerts(second)
        # Firing: at once, with its original active-since (not pending again, whatever its `for`).
        self.assertEqual(after["UpFiring"]["state"], "firing")
        self.assertEqual(after["UpFiring"]["activeAt"], before["UpFiring"]["activeAt"])
        # Pending: the downtime (restart time - last evaluation) does not count towards `for`.
        self.assertEqual(after["UpPending"]["state"], "pending")
        shift = ms_of(after["UpPending"]["activeAt"]) - saved["UpPending"]["active_at_ms"]
        self.assertGreaterEqual(shift, int(started * 1000) - last)
        self.assertLessEqual(shift, int(restored * 1000) - last + 1)
        self.assertGreaterEqual(shift, int((killed_at + 2) * 1000) - last - 1)
        # From the first evaluation on (ALERTS is written by evaluations): never pending again
        # on the firing one, and the pending one stays pending.
        self.wait_for(second, "the first evaluation", lambda: self.alerts_series(second))
        for _ in range(20):
            self.assertEqual(self.alerts_series(second) & {("UpFiring", "pending")}, set())
            self.assertIn(("UpPending", "pending"), self.alerts_series(second))
            time.sleep(0.1)
        # The next write keeps the restored times.
        self.wait_for(second, "a new state file",
                      lambda: self.saved()[0]["last_evaluation_ms"] > restored * 1000)
        second.kill()
        _, again = self.saved()
        self.assertEqual(again["UpFiring"]["active_at_ms"], saved["UpFiring"]["active_at_ms"])
        self.assertEqual(again["UpFiring"]["fired_at_ms"], saved["UpFiring"]["fired_at_ms"])
        self.assertEqual(again["UpPending"]["active_at_ms"],
                         saved["UpPending"]["active_at_ms"] + shift)

    def test_rate_alert_stays_firing_through_the_warm_up(self):
        """`rate(x[5m]) > 0` with `for: 10m`. Waiting 10 minutes for it to fire is replaced by
        pre-seeding: sonde itself makes the alert pending and writes the state file, the test moves
        that alert's active-since 11 minutes back and marks it firing (a file as sonde writes it
        for an alert that fired a minute ago), and the restart then reads it through the real
        restore path. Right after the start the history holds one sample of the counter: rate() is
        empty, and only the warm-up keeps the alert from resolving and going pending again."""
        self.write_rules(RATE_RULES)
        first = self.start()
        with Burst(os.path.join(first.tmp, "dsd.sock")):
            self.wait_for(first, "the pending alert in the state file",
                          lambda: self.saved_states() == {"ErrorsRising": "pending"})
            first.kill()
        doc, saved = self.saved()
        alert = saved["ErrorsRising"]
        alert["state"] = "firing"
        alert["active_at_ms"] = doc["last_evaluation_ms"] - 11 * 60 * 1000
        alert["fired_at_ms"] = doc["last_evaluation_ms"] - 60 * 1000
        with open(self.state, "w") as f:
            json.dump(doc, f)
        active_at = alert["active_at_ms"]

        second = self.sonde(args=["--config", self.config, "--web.listen-address", self.listen],
                            env={"STATE_DIRECTORY": os.path.join(self.work, "state")})
        with Burst(os.path.join(second.tmp, "dsd.sock")):
            self.wait_for(second, "the restore", lambda: "restored 1 alert(s)" in second.log())
            second.wait_ready()
            # Before the first evaluation the API already shows the restored alert; ALERTS comes
            # with the first evaluation.
            a = self.alerts(second)
            self.assertEqual(a["ErrorsRising"]["state"], "firing")
            self.assertEqual(ms_of(a["ErrorsRising"]["activeAt"]), active_at)
            self.wait_for(second, "the first evaluation", lambda: self.alerts_series(second))
            # Through the first seconds (one sample, then a rate over a few) and beyond: always
            # firing with the seeded active-since, never resolved, never pending.
            end = time.monotonic() + 8
            polls = 0
            while time.monotonic() < end:
                self.assertEqual(self.alerts_series(second), {("ErrorsRising", "firing")})
                a = self.alerts(second)
                self.assertEqual(list(a), ["ErrorsRising"])
                self.assertEqual(a["ErrorsRising"]["state"], "firing")
                self.assertEqual(ms_of(a["ErrorsRising"]["activeAt"]), active_at)
                polls += 1
                time.sleep(0.2)
            self.assertGreater(polls, 10)
            second.kill()
        _, after = self.saved()
        self.assertEqual(after["ErrorsRising"]["state"], "firing")
        self.assertEqual(after["ErrorsRising"]["active_at_ms"], active_at)

    def test_changed_expression_drops_its_old_alerts(self):
        self.write_rules(UP_RULES)
        first = self.start()
        self.wait_for(first, "the pending alert in the state file",
                      lambda: self.saved_states().get("UpPending") == "pending")
        # The state file is written at the end of a cycle, the API's view published after it.
        old = self.wait_for(first, "the pending alert in the API",
                            lambda: self.alerts(first).get("UpPending"))["activeAt"]
        first.kill()
        # Same file, group and name; another expression. UpFiring is unchanged and comes back.
        self.write_rules(UP_RULES.replace("expr: up == 1\n    for: 1h", "expr: up > 0\n    for: 1h"))
        started = time.time()
        second = self.start()
        self.wait_for(second, "the restore", lambda: "1 started afresh" in second.log())
        a = self.wait_for(second, "the new pending alert",
                          lambda: self.alerts(second).get("UpPending"))
        self.assertEqual(a["state"], "pending")
        self.assertNotEqual(a["activeAt"], old)
        self.assertGreaterEqual(ms_of(a["activeAt"]), int(started * 1000) - 1000)

    def self_metric(self, s, name):
        samples, _, _ = parse_exposition(s.metrics())
        return samples.get((name, frozenset()))

    def test_corrupt_state_file_is_moved_aside_and_sonde_starts_clean(self):
        self.write_rules(UP_RULES)
        os.makedirs(os.path.dirname(self.state))
        with open(self.state, "w") as f:
            f.write('{"format": "sonde-rules-state", "version": 1, "last_eval')
        s = self.start()
        self.assertIn("not a JSON document", s.log())
        # (A new state file may already hold the first evaluation's fresh alerts: checked below.)
        with open(self.state + ".corrupt") as f:
            self.assertTrue(f.read().endswith('"last_eval'))
        self.wait_for(s, "the failure counted", lambda: self.self_metric(
            s, "sonde_rule_state_restore_failures_total") == 1)
        # A clean start: the alerts begin pending, and a new state file is written.
        a = self.wait_for(s, "a fresh alert", lambda: self.alerts(s).get("UpFiring"))
        self.assertEqual(a["state"], "pending")
        self.wait_for(s, "a new state file", lambda: self.saved_states().get("UpPending"))

    def test_unusable_state_path_never_stops_sonde(self):
        """The state file's path is a directory: not restored (counted), every write fails
        (counted), and sonde runs and evaluates all the same."""
        self.write_rules(UP_RULES)
        os.makedirs(self.state)
        s = self.start()
        self.assertIn("not a regular file", s.log())
        self.wait_for(s, "failed writes counted", lambda: (self.self_metric(
            s, "sonde_rule_state_write_failures_total") or 0) >= 1)
        self.assertEqual(self.self_metric(s, "sonde_rule_state_restore_failures_total"), 1)
        self.wait_for(s, "UpFiring firing", lambda: self.alerts(s).get("UpFiring", {}).get(
            "state") == "firing")
        self.assertTrue(os.path.isdir(self.state))
        self.assertFalse(os.path.exists(self.state + ".tmp"))


if __name__ == "__main__":
    import unittest
    unittest.main()
