"""SIGHUP reload: a valid configuration is applied whole without a restart (collectors,
intervals, log level, listen address); an invalid one is rejected whole and the running one stays;
many reloads leak no threads, file descriptors or memory."""
import http.client
import os
import re
import signal
import socket
import time

from harness import DEADLINE, SondeTestCase, parse_exposition, sanitized


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def config(port, netdev=True, loadavg_interval="1s", level="info", time=True, netdev_exclude="",
           max_connections=64):
    return f"""
web:
  listen_address: 127.0.0.1:{port}
  max_connections: {max_connections}
  max_connections_per_client: 100000  # the tests hold many connections from 127.0.0.1
log:
  level: {level}
collectors:
  loadavg: {{interval: {loadavg_interval}}}
  netdev: {{enabled: {"true" if netdev else "false"}, device_exclude: '{netdev_exclude}'}}
  time: {{enabled: {"true" if time else "false"}}}
"""


def proc_status(pid):
    """Threads, open fds and RSS, each the least of a few reads: a collector reading a /proc file
    or a connection being closed holds an fd for a moment; a leak stays."""
    reads = []
    for _ in range(5):
        reads.append(_proc_status_once(pid))
        time.sleep(0.05)
    return {k: min(r[k] for r in reads) for k in reads[0]}


def _proc_status_once(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            out[k] = v.strip()
    return {
        "threads": int(out["Threads"]),
        "fds": len(os.listdir(f"/proc/{pid}/fd")),
        "rss_kib": int(out["VmRSS"].split()[0]),
    }


class Reload(SondeTestCase):
    def start(self, text):
        """Starts sonde on a config file that holds the listen address (no flag overriding it)."""
        s = self.sonde(config=text, start=False)
        s.args = [a for i, a in enumerate(s.args)
                  if a != "--web.listen-address" and
                  (i == 0 or s.args[i - 1] != "--web.listen-address")]
        s.config_path = s.args[s.args.index("--config") + 1]
        s.start()
        s.wait_ready()
        return s

    def write(self, s, text):
        with open(s.config_path + ".tmp", "w") as f:
            f.write(text)
        os.replace(s.config_path + ".tmp", s.config_path)  # as an editor or a config manager

    def hup_and_wait(self, s, marker):
        """Sends SIGHUP and waits until the log has one more line containing `marker`."""
        before = s.log().count(marker)
        s.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + DEADLINE
        while s.log().count(marker) <= before:
            self.assertIsNone(s.proc.poll(), "sonde exited on SIGHUP:\n" + s.log())
            self.assertLess(time.monotonic(), deadline, "no reload outcome logged:\n" + s.log())
            time.sleep(0.01)

    def samples(self, s):
        return parse_exposition(s.metrics())[0]

    def app_sender(self, s):
        """Sends datagrams to sonde's DogStatsD unixgram socket (in the harness's
        RUNTIME_DIRECTORY) by path each time: a reload may replace the socket behind it."""
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        path = os.path.join(s.tmp, "dsd.sock")
        return lambda payload: c.sendto(payload, path)

    def wait_sample(self, s, name, want, labels=frozenset()):
        deadline = time.monotonic() + DEADLINE
        while (got := self.samples(s).get((name, labels))) != want:
            self.assertLess(time.monotonic(), deadline, f"{name}={got}, want {want}:\n" + s.log())
            time.sleep(0.02)

    def collectors(self, samples):
        return {dict(l)["collector"] for n, l in samples if n == "node_scrape_collector_success"}

    def test_good_reload_applies_everything_and_rebinds(self):
        port1, port2 = free_port(), free_port()
        s = self.start(config(port1))
        before = self.samples(s)
        self.assertIn("netdev", self.collectors(before))
        self.assertEqual(before[("sonde_config_last_reload_successful", frozenset())], 1)
        t0 = before[("sonde_config_last_reload_success_timestamp_seconds", frozenset())]

        self.assertIn(("node_time_seconds", frozenset()), before)
        self.write(s, config(port2, netdev=False, loadavg_interval="2s", level="debug",
                             time=False))
        self.hup_and_wait(s, "configuration reloaded")
        s.address = f"127.0.0.1:{port2}"
        after = self.samples(s)
        # Disabled collector: its series and its scrape status are gone.
        self.assertNotIn("netdev", self.collectors(after))
        # (netclass's node_network_up, _info, ... stay: that is another collector.)
        self.assertFalse([n for n, _ in after if n.startswith("node_network_receive_") or
                          n.startswith("node_network_transmit_") and
                          n != "node_network_transmit_queue_length"])
        self.assertFalse([n for n, _ in after if n.startswith("node_time_")])
        self.assertIn("loadavg", self.collectors(after))
        self.assertEqual(after[("sonde_config_last_reload_successful", frozenset())], 1)
        self.assertGreater(
            after[("sonde_config_last_reload_success_timestamp_seconds", frozenset())], t0)
        # The old address no longer answers.
        with self.assertRaises(OSError):
            socket.create_connection(("127.0.0.1", port1), timeout=DEADLINE).close()
        # The new log level is in force: a reload logs the running collectors at debug level.
        self.assertEqual(re.findall(r"debug running collectors: (.*)", s.log()),
                         ["cpu, meminfo, loadavg, stat, vmstat, uname, self, diskstats, "
                          "filesystem, pressure, netstat, sockstat, filefd, entropy, conntrack, "
                          "softnet, udp_queues, arp, schedstat, textfile, timex, mdadm, nfs, "
                          "nfsd, ipvs, zfs, "
                          # Issue 15, part A.
                          "cpufreq, dmi, edac, hwmon, netclass, os, powersupplyclass, rapl, "
                          "selinux, thermal_zone, bcache, bonding, btrfs, fibrechannel, infiniband, nvme, "
                          "tapestats, xfs"])
        self.assertIn(f"listening on 127.0.0.1:{port2}", s.log())

        # And back: netdev returns, with a new filter.
        self.write(s, config(port2, netdev_exclude="^lo$"))
        self.hup_and_wait(s, "configuration reloaded")
        deadline = time.monotonic() + DEADLINE
        while "netdev" not in self.collectors(samples := self.samples(s)):
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        devices = {dict(l)["device"] for n, l in samples if n == "node_network_receive_bytes_total"}
        self.assertTrue(devices)
        self.assertNotIn("lo", devices)
        self.assertIn(("node_network_receive_bytes_total", frozenset({("device", "lo")})), before)
        self.assertEqual(s.stop(), 0)

    def test_bad_reload_is_rejected_whole(self):
        port = free_port()
        s = self.start(config(port))
        # Valid YAML with one bad value, next to a change that would otherwise apply: neither does.
        self.write(s, config(port, netdev=False) + "  vmstat: {fields: '(' }\n")
        self.hup_and_wait(s, "configuration reload rejected")
        self.assertRegex(s.log(), r"error reload: .*collectors\.vmstat\.fields: invalid regular")
        samples = self.samples(s)
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 0)
        self.assertIn("netdev", self.collectors(samples))

        # A listen address that cannot be bound: rejected too, and the old one keeps serving.
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = taken.getsockname()[1]
            self.write(s, config(busy, netdev=False))
            self.hup_and_wait(s, "configuration reload rejected")
        samples = self.samples(s)
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 0)
        self.assertIn("netdev", self.collectors(samples))

        # Unreadable YAML: the same.
        self.write(s, "collectors: [\n")
        self.hup_and_wait(s, "configuration reload rejected")

        # Fixed: applied, and the gauge says so.
        self.write(s, config(port, netdev=False))
        self.hup_and_wait(s, "configuration reloaded")
        samples = self.samples(s)
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 1)
        self.assertNotIn("netdev", self.collectors(samples))
        self.assertEqual(s.stop(), 0)

    def test_reload_refuses_a_config_replaced_by_a_fifo(self):
        # Issue 11, defect 4: open() on a FIFO blocks until a writer appears; a reload must
        # refuse it (after following symlinks) before opening it, and keep serving.
        port = free_port()
        s = self.start(config(port))
        os.remove(s.config_path)
        os.mkfifo(s.config_path)
        self.hup_and_wait(s, "configuration reload rejected")
        self.assertRegex(s.log(), r"error reload: .*: not a regular file \(a FIFO\)")
        samples = self.samples(s)  # still serving
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 0)
        os.remove(s.config_path)
        self.write(s, config(port))
        self.hup_and_wait(s, "configuration reloaded")
        self.assertEqual(s.stop(), 0)

    def test_reload_applies_ingest_mapping_and_rejects_a_bad_one(self):
        port = free_port()
        base = config(port)
        s = self.start(base)
        sock = os.path.join(s.tmp, "dsd.sock")  # the harness's RUNTIME_DIRECTORY
        mapping = os.path.join(s.tmp, "mapping.yml")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)

        def value(name, labels=frozenset(), want=None):
            deadline = time.monotonic() + DEADLINE
            while True:
                c.sendto(b"app.jobs.done:1|c", sock)
                got = self.samples(s).get((name, labels))
                if got is not None and (want is None or got >= want):
                    return got
                self.assertLess(time.monotonic(), deadline, f"no {name}:\n" + s.log())
                time.sleep(0.05)

        value("app_jobs_done_total")
        # A mapping file added by a reload renames the series.
        with open(mapping, "w") as f:
            f.write('mappings:\n- match: "app.jobs.*"\n  name: "jobs_total"\n'
                    '  labels:\n    state: "$1"\n')
        self.write(s, base + f"ingest:\n  mapping_file: {mapping}\n")
        self.hup_and_wait(s, "configuration reloaded")
        value("jobs_total", frozenset({("state", "done")}))
        self.assertIn("ingest: listeners and mapping reloaded", s.log())

        # The same path with edited content is reloaded too (as statsd_exporter does on SIGHUP).
        with open(mapping, "w") as f:
            f.write('mappings:\n- match: "app.jobs.*"\n  name: "work_total"\n')
        self.hup_and_wait(s, "configuration reloaded")
        value("work_total")

        # A mapping that does not load rejects the whole reload; the running mapping stays.
        with open(mapping, "w") as f:
            f.write('mappings:\n- match: "app.jobs.*"\n  nmae: "x"\n')
        self.hup_and_wait(s, "configuration reload rejected")
        self.assertEqual(self.samples(s)[("sonde_config_last_reload_successful", frozenset())], 0)
        before = value("work_total")
        value("work_total", want=before + 1)
        self.assertEqual(s.stop(), 0)

    def test_listener_only_reload_keeps_aggregated_series(self):
        port = free_port()
        base = config(port)
        s = self.start(base)
        send = self.app_sender(s)
        send(b"app.jobs:5|c\napp.workers:8|g")
        self.wait_sample(s, "app_jobs_total", 5)
        self.wait_sample(s, "sonde_ingest_lines_total", 2,
                 frozenset({("listener", "unixgram"), ("result", "accepted")}))
        # A reload that only adds a listener (UDP) and changes nothing about aggregation: the
        # counter, the gauge and the per-listener counts carry on; the unixgram socket is new.
        self.write(s, base + "ingest:\n  udp: {enabled: true, address: '127.0.0.1:0'}\n")
        self.hup_and_wait(s, "configuration reloaded")
        self.assertIn("ingest: listeners and mapping reloaded", s.log())
        samples = self.samples(s)
        self.assertEqual(samples[("app_jobs_total", frozenset())], 5)
        self.assertEqual(samples[("app_workers", frozenset())], 8)
        send(b"app.jobs:3|c")
        self.wait_sample(s, "app_jobs_total", 8)
        self.wait_sample(s, "sonde_ingest_lines_total", 3,
                 frozenset({("listener", "unixgram"), ("result", "accepted")}))
        # A reload that changes aggregation (the default buckets) starts the series afresh.
        self.write(s, base + "ingest:\n  udp: {enabled: true, address: '127.0.0.1:0'}\n"
                   "  histogram_buckets: [0.1, 1]\n")
        self.hup_and_wait(s, "configuration reloaded")
        self.assertNotIn(("app_jobs_total", frozenset()), self.samples(s))
        send(b"app.jobs:1|c")
        self.wait_sample(s, "app_jobs_total", 1)
        self.assertEqual(s.stop(), 0)

    def test_listener_that_cannot_bind_rejects_the_reload_and_keeps_the_old_ones(self):
        port = free_port()
        base = config(port)
        s = self.start(base)
        send = self.app_sender(s)
        taken = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)  # the UDP port is in use
        self.addCleanup(taken.close)
        taken.bind(("127.0.0.1", 0))
        busy = taken.getsockname()[1]
        send(b"app.jobs:2|c")
        self.wait_sample(s, "app_jobs_total", 2)

        self.write(s, base + f"ingest:\n  udp: {{enabled: true, address: '127.0.0.1:{busy}'}}\n")
        self.hup_and_wait(s, "configuration reload rejected")
        self.assertIn("cannot start the new listeners", s.log())
        samples = self.samples(s)
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 0)
        # The previous listeners are back (the unixgram socket answers), with the same series.
        self.assertEqual(samples[("app_jobs_total", frozenset())], 2)
        send(b"app.jobs:1|c")
        self.wait_sample(s, "app_jobs_total", 3)
        status, _, _ = s.request("/ready")
        self.assertEqual(status, 200)
        self.assertEqual(s.stop(), 0)

    def http_get(self, conn, path="/metrics"):
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        self.assertEqual(r.status, 200, body)
        return body

    def served(self, port):
        """True if a new connection to `port` gets an answer, False if sonde closes it at once
        (web.max_connections are open)."""
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        try:
            conn.request("GET", "/health")
            return conn.getresponse().status == 200
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            return False
        finally:
            conn.close()

    def hold(self, port, n):
        """n keep-alive connections, each answered once (so sonde has accepted and counts it)."""
        conns = []
        for _ in range(n):
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
            self.addCleanup(c.close)
            self.http_get(c, "/health")
            conns.append(c)
        return conns

    def wait_closed(self, port):
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=DEADLINE).close()
            except ConnectionRefusedError:
                return
            self.assertLess(time.monotonic(), deadline, f"port {port} still open")
            time.sleep(0.02)

    def test_web_options_apply_to_the_running_listener(self):
        # Regression: a reload that changed web.max_connections (same address) stopped the
        # listener and bound a new one while the old one still held the port; in 5-7 of 30
        # reloads "cannot rebind ... Address already in use", then nothing listened at all.
        port = free_port()
        s = self.start(config(port))
        keep = http.client.HTTPConnection("127.0.0.1", port, timeout=DEADLINE)
        self.addCleanup(keep.close)
        self.http_get(keep)
        for i in range(30):
            self.write(s, config(port, max_connections=65 if i % 2 == 0 else 64))
            self.hup_and_wait(s, "configuration reload")  # reloaded, or reload rejected
            self.assertEqual(re.findall(r"configuration reload\S*", s.log())[-1],
                             "configuration reloaded", f"reload {i}:\n" + s.log())
            # /metrics answers on the same port, on a new connection and on one opened before
            # the first reload: the listener was never replaced.
            self.assertIn("sonde_config_last_reload_successful 1", s.metrics())
            self.assertIn(b"sonde_http_requests_total", self.http_get(keep))
        self.assertNotIn("rebind", s.log())
        self.assertEqual(len(re.findall(r"listening on", s.log())), 1, s.log())
        # The last reload set 64, and it is in force: with 64 connections open (the kept one
        # among them) a 65th is closed at once; after a reload to 65 the 65th is served.
        held = self.hold(port, 63)
        self.assertFalse(self.served(port))
        self.write(s, config(port, max_connections=65))
        self.hup_and_wait(s, "configuration reloaded")
        self.assertTrue(self.served(port))
        for c in held + [keep]:
            c.close()
        self.assertEqual(s.stop(), 0)

    def test_web_reload_to_a_new_or_a_taken_address(self):
        port = free_port()
        s = self.start(config(port, max_connections=2))
        # A taken address with other limits: rejected whole; the old listener keeps serving
        # with its old limits (2 connections).
        with socket.socket() as taken:
            taken.bind(("127.0.0.1", 0))
            taken.listen()
            busy = taken.getsockname()[1]
            self.write(s, config(busy, max_connections=3))
            self.hup_and_wait(s, "configuration reload rejected")
            self.assertRegex(s.log(), rf"cannot listen on 127.0.0.1:{busy}: .*in use")
        samples = self.samples(s)
        self.assertEqual(samples[("sonde_config_last_reload_successful", frozenset())], 0)
        held = self.hold(port, 2)
        self.assertFalse(self.served(port))
        for c in held:
            c.close()

        # A new address: bound before the old one is let go; the old port closes, the new one
        # serves with the new limits (3 connections).
        new_port = free_port()
        self.write(s, config(new_port, max_connections=3))
        self.hup_and_wait(s, "configuration reloaded")
        self.assertIn(f"listening on 127.0.0.1:{new_port}", s.log())
        self.wait_closed(port)
        s.address = f"127.0.0.1:{new_port}"
        self.assertEqual(self.samples(s)[("sonde_config_last_reload_successful", frozenset())], 1)
        held = self.hold(new_port, 3)
        self.assertFalse(self.served(new_port))
        held[0].close()
        deadline = time.monotonic() + DEADLINE
        while not self.served(new_port):  # the closed slot frees once sonde reads the EOF
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
        for c in held:
            c.close()
        self.assertEqual(s.stop(), 0)

    def test_many_reloads_leak_nothing(self):
        port = free_port()
        configs = [config(port), config(port, netdev=False, loadavg_interval="3s")]
        s = self.start(configs[0])
        pid = s.proc.pid

        not_ready = []

        def reloads(n):
            for i in range(n):
                self.write(s, configs[i % 2])
                self.hup_and_wait(s, "configuration reloaded")
                # A reload is not a restart: /ready stays 200 and the collectors that carry on
                # keep their series while they start again.
                status, _, _ = s.request("/ready")
                if status != 200:
                    not_ready.append(i)
                self.assertIn("loadavg", self.collectors(self.samples(s)))
        # Warm up first: allocator arenas, the statfs pool's workers and the board settle.
        reloads(10)
        warm = proc_status(pid)
        reloads(100)
        time.sleep(0.2)  # let the last collectors' first attempts finish
        end = proc_status(pid)
        # Threads: two io threads and the statfs pool (at most 8 workers, started on demand)
        # beside main; the pool may have grown by a worker or two since the warm-up.
        self.assertLessEqual(end["threads"], warm["threads"] + 2, (warm, end))
        self.assertLessEqual(end["threads"], 12, (warm, end))
        self.assertEqual(end["fds"], warm["fds"], (warm, end))
        # Memory: 100 reloads that leaked even 20 KiB each would show 2 MiB. Under AddressSanitizer
        # RSS moves by up to ~10 MiB between rounds of the same reloads (quarantine off or on:
        # shadow pages, per-size-class regions), so only a build without sanitizers checks it;
        # an ASan build's LeakSanitizer fails the exit status below on a leak.
        if not sanitized(pid):
            self.assertLessEqual(end["rss_kib"], warm["rss_kib"] + 2048, (warm, end))
        self.assertEqual(len(re.findall("configuration reloaded", s.log())), 110)
        self.assertEqual(not_ready, [])
        self.assertEqual(s.stop(), 0)


if __name__ == "__main__":
    import unittest
    unittest.main()
