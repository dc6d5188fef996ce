"""Warm-up: rules start evaluating only once every source has published once. The host tree's
proc/loadavg is a FIFO, so the loadavg collector's first attempt blocks in open(2) (as a read of a
hung mount would) until the test writes a load line into it. An alert on `absent(node_load1)` with
keep_firing_for: 1h would fire, and keep firing, had any evaluation run before that first attempt
published; a recording rule shows that the first evaluation saw the collector's series."""
import json
import os
import threading
import time

from harness import SondeTestCase, parse_exposition

RULES = """groups:
- name: warm
  interval: 1s
  rules:
  - alert: LoadMissing
    expr: absent(node_load1)
    keep_firing_for: 1h
  - record: warm:load1:count
    expr: count(node_load1)
"""

CONFIG = """
host:
  procfs: {tree}/proc
  sysfs: {tree}/sys
  rootfs: {tree}
rules:
  files: [{tree}/warm.yml]
  evaluation_interval: 1s
"""


class WarmUp(SondeTestCase):
    def rules(self, s):
        status, _, body = s.get("/api/v1/rules")
        self.assertEqual(status, 200)
        groups = json.loads(body)["data"]["groups"]
        return {r["name"]: r for g in groups for r in g["rules"]}

    def test_rules_wait_for_a_slow_first_collection(self):
        s = self.sonde(start=False)
        tree = os.path.join(s.tmp, "host")
        os.makedirs(os.path.join(tree, "proc"))
        os.makedirs(os.path.join(tree, "sys"))
        fifo = os.path.join(tree, "proc", "loadavg")
        os.mkfifo(fifo)
        with open(os.path.join(tree, "warm.yml"), "w") as f:
            f.write(RULES)
        config = os.path.join(s.tmp, "sonde.yaml")
        with open(config, "w") as f:
            f.write(CONFIG.format(tree=tree))
        s.args = ["--config", config] + s.args
        s.start()

        # Every other collector has long finished its first attempt (over an empty tree, they
        # fail at once); loadavg's is blocked: sonde is not ready and no rule has run.
        self.wait_for(s, "the rules listed", lambda: "LoadMissing" in self.rules(s))
        time.sleep(3)  # three evaluation intervals
        status, _, _ = s.get("/ready")
        self.assertEqual(status, 503)
        for name, rule in self.rules(s).items():
            self.assertEqual(rule["health"], "unknown", name)
            self.assertEqual(rule["lastEvaluation"], "0001-01-01T00:00:00Z", name)
        samples, _, _ = parse_exposition(s.metrics())
        self.assertFalse([k for k in samples if k[0] == "sonde_rule_evaluations_total" and
                          samples[k] > 0])

        # The first attempt reads the line and publishes; the file becomes a regular one so that
        # later attempts do not block again.
        regular = os.path.join(tree, "loadavg.tmp")
        with open(regular, "w") as f:
            f.write("0.50 0.40 0.30 1/100 1234\n")
        writer = threading.Thread(target=self.feed, args=(fifo, regular))
        writer.start()
        writer.join(30)
        self.assertFalse(writer.is_alive())
        s.wait_ready()

        def evaluated_twice():
            rules = self.rules(s)
            return all(r["health"] == "ok" for r in rules.values()) and rules

        self.wait_for(s, "the rules evaluated", evaluated_twice)
        time.sleep(1.5)  # another evaluation or two
        rules = self.rules(s)
        self.assertEqual(rules["LoadMissing"]["state"], "inactive")
        self.assertEqual(rules["LoadMissing"]["alerts"], [])
        _, _, body = s.get("/api/v1/alerts")
        self.assertEqual(json.loads(body)["data"]["alerts"], [])
        samples, _, _ = parse_exposition(s.metrics())
        self.assertFalse([k for k in samples if k[0] in ("ALERTS", "ALERTS_FOR_STATE")])
        self.assertEqual(samples[("warm:load1:count", frozenset())], 1)
        self.assertEqual(samples[("node_load1", frozenset())], 0.5)

    @staticmethod
    def feed(fifo, regular):
        with open(fifo, "w") as f:  # opens once the collector has the FIFO open for reading
            f.write("0.50 0.40 0.30 1/100 1234\n")
            os.replace(regular, fifo)
