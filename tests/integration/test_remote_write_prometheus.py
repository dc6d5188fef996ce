"""sonde remote-writes to a real Prometheus 2.42 (`--web.enable-remote-write-receiver`, an
ephemeral port, a temporary TSDB): sonde reads a fixture host tree and takes one fixed DogStatsD
datagram, so values are constant; the test queries Prometheus's API and finds sonde's host and
application series with instance and job, each value equal to sonde's own /metrics."""
import json
import os
import socket
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

from harness import (DEADLINE, FIXTURES, SondeTestCase, free_port, parse_exposition,
                     require_tool, stop_process)


class PrometheusReceiver(SondeTestCase):
    def start_prometheus(self):
        work = tempfile.mkdtemp(prefix="rw-prom-")
        cfg = os.path.join(work, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global: {}\n")
        port = free_port()
        proc = subprocess.Popen([require_tool("prometheus"), f"--config.file={cfg}",
                                 f"--storage.tsdb.path={work}/tsdb",
                                 "--web.enable-remote-write-receiver",
                                 f"--web.listen-address=127.0.0.1:{port}"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.addCleanup(stop_process, proc)
        self.prom = port
        end = time.monotonic() + DEADLINE
        while time.monotonic() < end:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.1)
        raise AssertionError("Prometheus never became ready")

    def query(self, q):
        url = f"http://127.0.0.1:{self.prom}/api/v1/query?" + urllib.parse.urlencode({"query": q})
        with urllib.request.urlopen(url, timeout=DEADLINE) as r:
            body = json.load(r)
        self.assertEqual(body["status"], "success")
        return body["data"]["result"]

    def test_series_and_values_arrive(self):
        self.start_prometheus()
        tree = os.path.join(FIXTURES, "hosts", "debian12-capture")
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(f"""
host: {{procfs: {tree}/proc, sysfs: {tree}/sys}}
remote_write:
  - url: http://127.0.0.1:{self.prom}/api/v1/write
    interval: 1s
    queue_config: {{batch_send_deadline: 100ms}}
""")
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            sock.sendto(b"shop.orders:7|c|#region:eu", os.path.join(s.tmp, "dsd.sock"))
        result = self.wait_for(s, "sonde's series in Prometheus", lambda: self.query(
            '{job="sonde",__name__=~"node_memory_.*|node_load.*|shop_orders_total"}'))
        self.wait_for(s, "the application counter in Prometheus",
                      lambda: self.query('shop_orders_total{job="sonde"}'))
        result = self.query('{job="sonde",__name__=~"node_memory_.*|node_load.*|shop_orders_total"}')
        samples, _, _ = parse_exposition(s.metrics())
        mine = {}
        for (name, labels), v in samples.items():
            if name.startswith(("node_memory_", "node_load")) or name == "shop_orders_total":
                mine[(name, labels)] = v
        self.assertGreater(len(mine), 20)
        got = {}
        for r in result:
            m = dict(r["metric"])
            self.assertRegex(m.pop("instance"), r":\d+$")
            self.assertEqual(m.pop("job"), "sonde")
            name = m.pop("__name__")
            got[(name, frozenset(m.items()))] = float(r["value"][1])
        self.assertEqual(set(got), set(mine))
        for k, v in mine.items():
            self.assertEqual(got[k], v, k)
        self.assertEqual(got[("shop_orders_total", frozenset({("region", "eu")}))], 7)
        samples, _, _ = parse_exposition(s.metrics())
        failed = sum(v for (n, _), v in samples.items()
                     if n == "sonde_remote_write_samples_failed_total")
        self.assertEqual(failed, 0, s.log())


if __name__ == "__main__":
    import unittest
    unittest.main()
