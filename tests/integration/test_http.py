"""The real daemon over real HTTP: routes, methods, readiness, health, shutdown."""
import json
import signal
import socket
import time
import unittest

from harness import DEADLINE, FIXTURES, SondeTestCase, parse_exposition, run_sonde


class HttpRoutes(SondeTestCase):
    def setUp(self):
        self.s = self.sonde()
        self.s.wait_ready()

    def test_metrics_is_text_0_0_4_with_host_and_self_series(self):
        status, headers, body = self.s.get("/metrics")
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], "text/plain; version=0.0.4; charset=utf-8")
        samples, types, helps = parse_exposition(body.decode())
        names = {name for name, _ in samples}
        for want in ["node_cpu_seconds_total", "node_memory_MemTotal_bytes", "node_load1",
                     "node_boot_time_seconds", "node_context_switches_total", "node_uname_info",
                     "node_time_seconds", "process_cpu_seconds_total",
                     "process_resident_memory_bytes", "process_open_fds", "process_max_fds",
                     "process_start_time_seconds", "process_virtual_memory_bytes",
                     "sonde_build_info", "node_scrape_collector_success",
                     "node_scrape_collector_duration_seconds"]:
            self.assertIn(want, names)
        self.assertEqual(types["node_cpu_seconds_total"], "counter")
        self.assertEqual(types["node_memory_MemTotal_bytes"], "gauge")
        # Every enabled collector succeeded on this host.
        for (name, labels), value in samples.items():
            if name == "node_scrape_collector_success":
                self.assertEqual(value, 1, dict(labels))
        collectors = {dict(l)["collector"] for n, l in samples if n == "node_scrape_collector_success"}
        self.assertEqual(collectors, {"cpu", "meminfo", "loadavg", "stat", "vmstat", "uname",
                                      "time", "self", "diskstats", "filesystem", "netdev",
                                      "pressure", "netstat", "sockstat", "filefd", "entropy",
                                      "conntrack", "softnet", "udp_queues", "arp", "schedstat",
                                      "textfile", "timex", "mdadm", "nfs", "nfsd", "ipvs",
                                      "zfs",
                                      # Issue 15, part A.
                                      "cpufreq", "dmi", "edac", "hwmon", "netclass",
                                      "os", "powersupplyclass", "rapl", "selinux", "thermal_zone",
                                      # issue 15, sysfs part B
                                      "bcache", "bonding", "btrfs", "fibrechannel",
                                      "infiniband", "nvme", "tapestats", "xfs"})

    def test_node_time_seconds_is_computed_at_scrape_time(self):
        before = time.time()
        samples, _, _ = parse_exposition(self.s.metrics())
        after = time.time()
        t = samples[("node_time_seconds", frozenset())]
        self.assertGreaterEqual(t, before - 0.01)
        self.assertLessEqual(t, after + 0.01)

    def test_memory_total_matches_proc_meminfo(self):
        with open("/proc/meminfo") as f:
            kb = int(next(l for l in f if l.startswith("MemTotal:")).split()[1])
        samples, _, _ = parse_exposition(self.s.metrics())
        self.assertEqual(samples[("node_memory_MemTotal_bytes", frozenset())], kb * 1024)

    def test_health_is_json_and_ok(self):
        status, headers, body = self.s.get("/health")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("application/json"))
        doc = json.loads(body)
        self.assertEqual(doc["status"], "ok")
        names = {c["name"]: c for c in doc["components"]}
        self.assertEqual(names["cpu"]["state"], "ok")
        self.assertEqual(names["cpu"]["kind"], "collector")

    def test_ready_is_200_once_collectors_ran(self):
        status, _, _ = self.s.get("/ready")
        self.assertEqual(status, 200)

    def test_index_links_endpoints_and_lists_collectors(self):
        status, headers, body = self.s.get("/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        page = body.decode()
        for link in ["/metrics", "/health", "/ready"]:
            self.assertIn(f'href="{link}"', page)
        self.assertIn("meminfo", page)

    def test_head_has_headers_and_no_body(self):
        status, headers, body = self.s.request("/metrics", method="HEAD")
        self.assertEqual(status, 200)
        self.assertEqual(body, b"")
        self.assertGreater(int(headers["content-length"]), 1000)
        for path in ["/", "/health", "/ready"]:
            self.assertEqual(self.s.request(path, method="HEAD")[0], 200)

    def test_other_methods_are_405_with_allow(self):
        for method in ["POST", "PUT", "DELETE"]:
            status, headers, _ = self.s.request("/metrics", method=method)
            self.assertEqual(status, 405, method)
            self.assertIn("GET", headers["allow"])

    def test_unknown_path_is_404(self):
        self.assertEqual(self.s.get("/nope")[0], 404)
        self.assertEqual(self.s.get("/metrics/x")[0], 404)

    def test_query_string_is_ignored_for_routing(self):
        self.assertEqual(self.s.get("/metrics?collect[]=cpu")[0], 200)


class Readiness(SondeTestCase):
    def test_failing_collector_degrades_health_but_stays_200(self):
        # A procfs without the files the collectors need: they fail, sonde stays alive and ready.
        s = self.sonde(config=f"host:\n  procfs: {FIXTURES}/hosts/empty/proc\n")
        s.wait_ready()
        status, _, body = s.get("/health")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        self.assertEqual(doc["status"], "degraded")
        states = {c["name"]: c["state"] for c in doc["components"]}
        self.assertEqual(states["meminfo"], "failing")
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(samples[("node_scrape_collector_success",
                                  frozenset({("collector", "meminfo")}))], 0)
        names = {n for n, _ in samples}
        self.assertNotIn("node_memory_MemTotal_bytes", names)  # dropped, never frozen
        self.assertIn("process_open_fds", names)  # self reads the real /proc


class Shutdown(SondeTestCase):
    def test_sigterm_exits_zero(self):
        s = self.sonde()
        s.wait_ready()
        self.assertEqual(s.stop(signal.SIGTERM), 0)
        self.assertIn("shutting down", s.log())

    def test_sigint_exits_zero(self):
        s = self.sonde()
        s.wait_ready()
        self.assertEqual(s.stop(signal.SIGINT), 0)

    def test_sigterm_with_idle_keepalive_connection_open(self):
        s = self.sonde()
        s.wait_ready()
        conn = s.connect()
        conn.request("GET", "/metrics")
        conn.getresponse().read()  # connection stays open (keep-alive)
        start = time.monotonic()
        self.assertEqual(s.stop(signal.SIGTERM), 0)
        self.assertLess(time.monotonic() - start, DEADLINE)
        conn.close()

    def test_sighup_does_not_kill(self):
        s = self.sonde()
        s.wait_ready()
        s.proc.send_signal(signal.SIGHUP)
        time.sleep(0.2)
        self.assertIsNone(s.proc.poll())
        self.assertEqual(s.get("/metrics")[0], 200)

    def test_port_in_use_is_a_clear_error(self):
        blocker = socket.socket()
        blocker.bind(("127.0.0.1", 0))
        blocker.listen()
        self.addCleanup(blocker.close)
        port = blocker.getsockname()[1]
        r = run_sonde(["--web.listen-address", f"127.0.0.1:{port}"])
        self.assertEqual(r.returncode, 1)
        self.assertIn(f"127.0.0.1:{port}", r.stderr)


if __name__ == "__main__":
    unittest.main()
