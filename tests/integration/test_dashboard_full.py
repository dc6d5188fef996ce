"""Node Exporter Full (Grafana dashboard 1860, ../shared/corpus/grafana) through a real Prometheus
2.42 scraping sonde and node_exporter 1.5 (Debian's prometheus-node-exporter) on this host, each
with its defaults: every one of the dashboard's 286 queries that returns data for node_exporter
must return data for sonde too. The test prints the queries that are empty on either side, side
by side, and fails on any that node_exporter fills and sonde does not.

Grafana's variables are substituted as the dashboard's own variable queries resolve them: $job
is the scrape job, $node the target's instance; $__rate_interval is Grafana's
max(4 * scrape interval, interval + scrape interval) for a 1 s scrape: 4s.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import (DEADLINE, SOURCE_DIR, SondeTestCase, free_port, require_tool,
                     start_prometheus, stop_process)

DASHBOARD = os.path.join(SOURCE_DIR, "..", "..", "shared", "corpus", "grafana",
                         "node-exporter-full-1860.json")
if not os.path.isfile(DASHBOARD):
    DASHBOARD = "/work/shared/corpus/grafana/node-exporter-full-1860.json"

SCRAPE = "1s"
RATE_INTERVAL = "4s"

PROMETHEUS_CONFIG = """
global:
  scrape_interval: {scrape}
  scrape_timeout: {scrape}
scrape_configs:
  - job_name: sonde
    static_configs: [{{targets: ['{sonde}']}}]
  - job_name: node
    static_configs: [{{targets: ['127.0.0.1:{node}']}}]
"""


def dashboard_queries():
    with open(DASHBOARD) as f:
        d = json.load(f)
    out = []

    def walk(panels):
        for p in panels:
            for t in p.get("targets", []):
                if t.get("expr"):
                    out.append((p.get("title", ""), t["expr"]))
            walk(p.get("panels", []))

    walk(d["panels"])
    return out


def substitute(expr, job, instance):
    return (expr.replace("$__rate_interval", RATE_INTERVAL).replace("$job", job)
            .replace("$node", instance))


class NodeExporterFull(SondeTestCase):
    def query(self, port, q, at):
        url = f"http://127.0.0.1:{port}/api/v1/query?" + urllib.parse.urlencode(
            {"query": q, "time": f"{at:.3f}"})
        with urllib.request.urlopen(url, timeout=DEADLINE) as r:
            body = json.load(r)
        self.assertEqual(body["status"], "success", (q, body))
        data = body["data"]
        if data["resultType"] in ("vector", "matrix"):
            return len(data["result"])
        return 1  # a scalar or string always has a value

    def samples_scraped(self, port, job):
        try:
            return self.query(port, f'count_over_time(up{{job="{job}"}}[10s]) >= 8', time.time())
        except OSError:
            return 0

    def test_every_query_node_exporter_fills_sonde_fills(self):
        ne_bin = require_tool("prometheus-node-exporter")
        queries = dashboard_queries()
        self.assertEqual(len(queries), 286)
        # sonde with its defaults, every collector at a 1s interval so that rates have points.
        s = self.sonde()
        s.wait_ready()
        sonde_target = s.address
        ne_port = free_port()
        tmp = tempfile.mkdtemp(prefix="sonde-dash-")
        self.addCleanup(shutil.rmtree, tmp, True)
        log = open(os.path.join(tmp, "node_exporter.log"), "w")
        self.addCleanup(log.close)
        ne = subprocess.Popen([ne_bin, f"--web.listen-address=127.0.0.1:{ne_port}"],
                              stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(stop_process, ne)
        config = os.path.join(tmp, "prometheus.yml")
        with open(config, "w") as f:
            f.write(PROMETHEUS_CONFIG.format(scrape=SCRAPE, sonde=sonde_target, node=ne_port))
        prom = start_prometheus(self, config, os.path.join(tmp, "data"))

        # Until both targets have been scraped 8 times within 10 s (rates over 4s need two).
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.samples_scraped(prom, "sonde") and self.samples_scraped(prom, "node"):
                break
            time.sleep(0.5)
        else:
            self.fail("Prometheus did not scrape both targets:\n" + s.log()[-2000:])

        at = time.time()
        targets = {"sonde": sonde_target, "node": f"127.0.0.1:{ne_port}"}
        empty = {"sonde": [], "node": []}
        for title, expr in queries:
            for job, instance in targets.items():
                if self.query(prom, substitute(expr, job, instance), at) == 0:
                    empty[job].append(f"{title}: {expr}")
        sonde_only = sorted(set(empty["sonde"]) - set(empty["node"]))
        both = sorted(set(empty["sonde"]) & set(empty["node"]))
        node_only = sorted(set(empty["node"]) - set(empty["sonde"]))
        report = ["queries empty for sonde only:"] + sonde_only + \
                 ["", "empty for node_exporter only:"] + node_only + \
                 ["", "empty for both (this host lacks the source):"] + both
        print("\n".join(report))
        filled_ne = len(queries) - len(empty["node"])
        print(f"node_exporter fills {filled_ne} of {len(queries)} queries, sonde "
              f"{len(queries) - len(empty['sonde'])}")
        self.assertEqual(sonde_only, [], "\n".join(report))
        # The comparison is not empty by accident: node_exporter fills most of the dashboard.
        self.assertGreater(filled_ne, 150)


if __name__ == "__main__":
    unittest.main()
