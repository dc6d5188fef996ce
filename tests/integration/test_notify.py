"""Alert delivery to a real Alertmanager (prometheus-alertmanager 0.25, issue 22): a rule fires
in sonde and the alert appears in Alertmanager's /api/v2/alerts with its labels, annotations,
external labels and generatorURL, reaches a webhook receiver through Alertmanager's route, and
resolves; an Alertmanager outage of 2 minutes loses nothing that fit in the queue; capacity 10
with 50 distinct alerts drops exactly 40; Alertmanager down, sonde killed with -9 and restarted,
Alertmanager started: the firing alert arrives. The alerts are driven by DogStatsD gauges sent
to sonde's socket (app.flag:<v>|g|#id:<n>)."""
import os
import socket
import time
import urllib.parse

import base64
import tempfile
import shutil

from am_harness import Alertmanager, AuthProxy, Hung, Receiver
from webtls import make_ca, make_cert
from harness import SondeTestCase, free_port, parse_exposition

CONFIG = """
web:
  external_url: http://sonde.example:9477/
global:
  external_labels: {{region: eu-1}}
rules:
  files: [rules.yml]
  evaluation_interval: 1s
  resend_delay: {resend}
  notification_queue_capacity: {capacity}
  alertmanagers:
    - url: {am}
      timeout: 2s
"""

RULES = """groups:
- name: flags
  interval: 1s
  rules:
  - alert: FlagRaised
    expr: app_flag > 0
    labels: {severity: page}
    annotations: {summary: "flag {{ $labels.id }} at {{ $value }}"}
"""

ALWAYS = """
  - alert: Always
    expr: up == 1
    labels: {severity: info}
"""

GENERATOR = "http://sonde.example:9477/graph?g0.expr=" + urllib.parse.quote_plus(
    "app_flag > 0") + "&g0.tab=1"


WEBHOOK_CONFIG = """
web:
  external_url: {external}
global:
  external_labels: {{region: eu-1}}
rules:
  files: [rules.yml]
  evaluation_interval: 1s
  alertmanagers:
    - url: {am}
  webhooks:
    - name: hook
      url: {hook}
      group_by: [alertname]
      group_wait: 1s
      group_interval: 1s
      repeat_interval: 1h
      send_resolved: true
      max_alerts: {max_alerts}
"""


class Notify(SondeTestCase):
    def setUp(self):
        self.receiver = Receiver()
        self.addCleanup(self.receiver.stop)

    def alertmanager(self, **kw):
        am = Alertmanager(self.receiver.url, **kw)
        self.addCleanup(am.cleanup)
        return am

    def start_sonde(self, am_url, resend="1m", capacity=10000, listen="127.0.0.1:0", state=None,
                    rules=RULES):
        s = self.sonde(start=False, args=["--web.listen-address", listen],
                       env={"STATE_DIRECTORY": state} if state else None)
        with open(os.path.join(s.tmp, "rules.yml"), "w") as f:
            f.write(rules)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(CONFIG.format(resend=resend, capacity=capacity, am=am_url))
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()
        return s

    def flag(self, s, ident, value):
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as c:
            c.sendto(f"app.flag:{value}|g|#id:{ident}".encode(), os.path.join(s.tmp, "dsd.sock"))

    def am_flags(self, am):
        """Alertmanager's FlagRaised alerts that have not ended, by id."""
        return {a["labels"]["id"]: a for a in am.alerts()
                if a["labels"].get("alertname") == "FlagRaised"}

    def metric(self, s, name, **labels):
        samples, _, _ = parse_exposition(s.metrics())
        total = 0.0
        for (n, l), v in samples.items():
            if n == name and all(dict(l).get(k) == v2 for k, v2 in labels.items()):
                total += v
        return total

    def hook_alerts(self, status=None):
        """(id, status) of every FlagRaised alert in every webhook message received."""
        out = []
        for m in self.receiver.messages():
            for a in m["alerts"]:
                if a["labels"].get("alertname") == "FlagRaised" and (
                        status is None or a["status"] == status):
                    out.append((a["labels"]["id"], a["status"]))
        return out

    def test_fires_reaches_alertmanager_and_its_webhook_then_resolves(self):
        am = self.alertmanager().start()
        s = self.start_sonde(am.url)
        self.flag(s, 1, 7)
        self.wait_for(s, "the alert in Alertmanager", lambda: "1" in self.am_flags(am))
        a = self.am_flags(am)["1"]
        self.assertEqual(a["labels"]["severity"], "page")
        self.assertEqual(a["labels"]["region"], "eu-1")  # the external label
        self.assertEqual(a["annotations"], {"summary": "flag 1 at 7"})
        self.assertEqual(a["generatorURL"], GENERATOR)
        self.assertEqual(a["status"]["state"], "active")
        self.assertEqual(a["receivers"], [{"name": "hook"}])
        self.wait_for(s, "Alertmanager's webhook notification",
                      lambda: ("1", "firing") in self.hook_alerts())
        self.assertGreaterEqual(self.metric(s, "sonde_notifications_sent_total"), 1)
        self.assertEqual(self.metric(s, "sonde_notifications_errors_total"), 0)
        self.assertEqual(self.metric(s, "sonde_notifications_alertmanagers_discovered"), 1)
        # Resolved: sent at once, gone from Alertmanager's active alerts, and its webhook is told.
        self.flag(s, 1, 0)
        self.wait_for(s, "the alert resolved in Alertmanager",
                      lambda: "1" not in self.am_flags(am))
        self.wait_for(s, "the resolved webhook notification",
                      lambda: ("1", "resolved") in self.hook_alerts())
        self.assertIn("rules: alert FlagRaised", s.log())
        self.assertIn("resolved", s.log())

    def test_a_two_minute_outage_loses_nothing_that_fit_in_the_queue(self):
        am = self.alertmanager().start()
        s = self.start_sonde(am.url, resend="10s")
        self.flag(s, 1, 1)
        self.flag(s, 2, 1)
        self.wait_for(s, "both firing at the webhook",
                      lambda: {"1", "2"} <= {i for i, st in self.hook_alerts("firing")})
        am.stop()
        down = time.monotonic()
        # While it is down: 1 resolves, 3 fires, 4 fires and resolves.
        self.flag(s, 1, 0)
        self.flag(s, 3, 1)
        self.flag(s, 4, 1)
        time.sleep(3)
        self.flag(s, 4, 0)
        self.wait_for(s, "failed sends", lambda: self.metric(
            s, "sonde_notifications_errors_total") >= 3)
        time.sleep(max(0.0, 120 - (time.monotonic() - down)))
        am.start()
        self.wait_for(s, "the firing alerts in the restarted Alertmanager",
                      lambda: set(self.am_flags(am)) == {"2", "3"}, deadline=60)
        # 1 resolved while it was down: Alertmanager, which had notified it firing, is told
        # it resolved (its notification log survived its restart) and tells the webhook.
        self.wait_for(s, "1 resolved at the webhook",
                      lambda: ("1", "resolved") in self.hook_alerts(), deadline=60)
        self.wait_for(s, "the queue drained",
                      lambda: self.metric(s, "sonde_notifications_queue_length") == 0)
        self.assertEqual(self.metric(s, "sonde_notifications_dropped_total"), 0)

    def test_capacity_10_and_50_distinct_alerts_drop_exactly_40(self):
        port = free_port()
        am = self.alertmanager(port=port)  # not started yet: the port refuses connections
        s = self.start_sonde(am.url, capacity=10)
        for i in range(50):
            self.flag(s, i, 1)
        self.wait_for(s, "50 alerts firing", lambda: self.metric(
            s, "ALERTS", alertname="FlagRaised", alertstate="firing") == 50)
        self.wait_for(s, "40 dropped", lambda: self.metric(
            s, "sonde_notifications_dropped_total", reason="queue_full") >= 40)
        time.sleep(2)  # no more drops before the resend delay (1m)
        self.assertEqual(self.metric(s, "sonde_notifications_dropped_total", reason="queue_full"),
                         40)
        self.assertEqual(self.metric(s, "sonde_notifications_queue_length"), 10)
        self.assertEqual(self.metric(s, "sonde_notifications_queue_capacity"), 10)
        am.start()
        self.wait_for(s, "the 10 queued alerts in Alertmanager",
                      lambda: len(self.am_flags(am)) == 10)
        self.wait_for(s, "the queue drained",
                      lambda: self.metric(s, "sonde_notifications_queue_length") == 0)

    def test_kill_9_while_alertmanager_is_down_the_firing_alert_still_arrives(self):
        port = free_port()
        am = self.alertmanager(port=port)
        listen = f"127.0.0.1:{free_port()}"
        state = os.path.join(self.receiver_dir(), "state")
        first = self.start_sonde(am.url, listen=listen, state=state, rules=RULES + ALWAYS)
        self.wait_for(first, "Always firing and saved",
                      lambda: self.metric(first, "ALERTS", alertname="Always",
                                          alertstate="firing") == 1 and os.path.exists(
                                              os.path.join(state, "rules-state.json")))
        self.wait_for(first, "a failed send", lambda: self.metric(
            first, "sonde_notifications_errors_total") >= 1)
        first.kill()
        second = self.start_sonde(am.url, listen=listen, state=state, rules=RULES + ALWAYS)
        self.wait_for(second, "the restore", lambda: "restored" in second.log())
        am.start()
        self.wait_for(second, "the restored alert in Alertmanager",
                      lambda: any(a["labels"].get("alertname") == "Always" for a in am.alerts()))

    def receiver_dir(self):
        import tempfile
        import shutil
        d = tempfile.mkdtemp(prefix="sonde-it-notify-")
        self.addCleanup(shutil.rmtree, d, True)
        return d

    def test_webhook_messages_equal_alertmanagers_own(self):
        """The same alerts through Alertmanager 0.25's webhook notifier (receiver `hook` behind
        Alertmanager) and through sonde's webhook sender (to a second receiver): the messages are
        equal field by field, fingerprints and times included (sonde's external URL is set to
        Alertmanager's, the one field that names the sender)."""
        for max_alerts in (0, 1):
            with self.subTest(max_alerts=max_alerts):
                self.compare_webhooks(max_alerts)

    def compare_webhooks(self, max_alerts):
        via_am = Receiver()
        self.addCleanup(via_am.stop)
        direct = Receiver()
        self.addCleanup(direct.stop)
        am = Alertmanager(via_am.url, group_wait="1s", group_interval="1s",
                          max_alerts=max_alerts)
        self.addCleanup(am.cleanup)
        am.start()
        s = self.sonde(start=False)
        with open(os.path.join(s.tmp, "rules.yml"), "w") as f:
            f.write(RULES)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(WEBHOOK_CONFIG.format(external=am.url, am=am.url, hook=direct.url,
                                          max_alerts=max_alerts))
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()

        def last(r, status):
            msgs = [m for m in r.messages() if m["status"] == status]
            return msgs[-1] if msgs else None

        # Two alerts of one group fire.
        self.flag(s, 1, 3)
        self.flag(s, 2, 4)

        def both_fired():
            a, b = last(via_am, "firing"), last(direct, "firing")
            return a and b and len(a["alerts"]) + a["truncatedAlerts"] == 2 and \
                len(b["alerts"]) + b["truncatedAlerts"] == 2
        self.wait_for(s, "both firing messages", both_fired)
        self.assertEqual(last(direct, "firing"), last(via_am, "firing"))
        msg = last(direct, "firing")
        self.assertEqual(msg["groupKey"], '{}:{alertname="FlagRaised"}')
        self.assertEqual(msg["truncatedAlerts"], 1 if max_alerts else 0)
        self.assertEqual(msg["alerts"][0]["endsAt"], "0001-01-01T00:00:00Z")
        # Both resolve.
        self.flag(s, 1, 0)
        self.flag(s, 2, 0)
        self.wait_for(s, "both resolved messages",
                      lambda: last(via_am, "resolved") and last(direct, "resolved"))
        self.assertEqual(last(direct, "resolved"), last(via_am, "resolved"))
        s.cleanup()

    def tls_dir(self):
        d = tempfile.mkdtemp(prefix="sonde-it-notify-tls-")
        self.addCleanup(shutil.rmtree, d, True)
        make_ca(d)
        make_ca(d, "other")
        make_cert(d, "server")
        return d

    def start_with_entry(self, entry, rules=RULES, extra=""):
        s = self.sonde(start=False)
        with open(os.path.join(s.tmp, "rules.yml"), "w") as f:
            f.write(rules)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write("rules:\n  files: [rules.yml]\n  evaluation_interval: 1s\n" + extra +
                    "  alertmanagers:\n    - " + entry.replace("\n", "\n      ") + "\n")
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()
        return s

    def test_tls_with_basic_auth_and_with_a_bearer_token(self):
        d = self.tls_dir()
        am = self.alertmanager().start()
        with open(os.path.join(d, "pw"), "w") as f:
            f.write("s3cret\n")
        with open(os.path.join(d, "token"), "w") as f:
            f.write("tok-123\n")
        basic = "Basic " + base64.b64encode(b"sonde:s3cret").decode()
        for auth, expect in (
                (f"basic_auth: {{username: sonde, password_file: {d}/pw}}", basic),
                (f"bearer_token_file: {d}/token", "Bearer tok-123")):
            with self.subTest(auth=auth):
                proxy = AuthProxy(am.url, os.path.join(d, "server.pem"),
                                  os.path.join(d, "server_key.pem"), expect)
                self.addCleanup(proxy.stop)
                s = self.start_with_entry(
                    f"url: {proxy.url}\n{auth}\ntls_config: {{ca_file: {d}/ca.pem}}")
                ident = 10 if expect == basic else 11
                self.flag(s, ident, 1)
                self.wait_for(s, "the alert through the proxy",
                              lambda: str(ident) in self.am_flags(am))
                self.assertTrue(proxy.seen)
                self.assertTrue(all(a == expect for a in proxy.seen), proxy.seen)
                self.assertEqual(self.metric(s, "sonde_notifications_errors_total"), 0)
                s.cleanup()

    def test_a_wrong_ca_is_a_clear_counted_rate_limited_error(self):
        d = self.tls_dir()
        am = self.alertmanager().start()
        proxy = AuthProxy(am.url, os.path.join(d, "server.pem"), os.path.join(d, "server_key.pem"),
                          "")
        self.addCleanup(proxy.stop)
        s = self.start_with_entry(f"url: {proxy.url}\ntls_config: {{ca_file: {d}/other.pem}}",
                                  extra="  resend_delay: 1s\n")
        self.flag(s, 1, 1)
        self.wait_for(s, "failed sends", lambda: self.metric(
            s, "sonde_notifications_errors_total") >= 8, deadline=60)
        lines = [l for l in s.log().splitlines() if "notify: error sending" in l]
        self.assertTrue(lines)
        self.assertIn(proxy.url, lines[0])
        self.assertIn("certificate", lines[0])
        # Rate-limited: fewer lines than failures.
        self.assertLess(len(lines), self.metric(s, "sonde_notifications_errors_total"))
        self.assertEqual(self.am_flags(am), {})
        self.assertEqual(proxy.seen, [])  # no request got through the handshake

    def test_a_receiver_that_never_answers_holds_up_neither_rules_nor_scrapes(self):
        hung = Hung()
        self.addCleanup(hung.stop)
        many = "groups:\n- name: flags\n  interval: 1s\n  rules:\n" + "".join(
            f"  - alert: Flag{i}\n    expr: app_flag > 0\n" for i in range(20))
        s = self.start_with_entry(f"url: {hung.url}\ntimeout: 30s", rules=many,
                                  extra="  resend_delay: 1s\n")
        for i in range(20):
            self.flag(s, i, 1)
        self.wait_for(s, "a request hanging", lambda: len(hung.conns) >= 1)
        slowest = 0.0
        end = time.monotonic() + 8
        while time.monotonic() < end:
            t0 = time.monotonic()
            s.metrics()
            slowest = max(slowest, time.monotonic() - t0)
            time.sleep(0.2)
        self.assertEqual(self.metric(s, "sonde_rule_group_iterations_missed_total"), 0)
        self.assertGreaterEqual(self.metric(s, "sonde_rule_evaluations_total"), 20 * 6)
        # A deadline that only catches a scrape held up by the hung receiver (30 s timeout).
        self.assertLess(slowest, 5.0)
        self.assertEqual(self.metric(s, "ALERTS", alertstate="firing"), 20 * 20)
