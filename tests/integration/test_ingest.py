"""DogStatsD ingest against the real daemon: every listener, raw datagrams, Debian's
python3-statsd client, the mapping file, socket files, and exact values in /metrics."""
import os
import re
import socket
import stat
import struct
import subprocess
import sys
import time
import unittest

from harness import DEADLINE, SOURCE_DIR, SondeTestCase, parse_exposition, run_sonde

CORPUS = os.path.join(SOURCE_DIR, "..", "..", "shared", "corpus", "statsd_exporter")
if not os.path.isdir(CORPUS):
    CORPUS = "/work/shared/corpus/statsd_exporter"


def series(name, **labels):
    return (name, frozenset(labels.items()))


class IngestCase(SondeTestCase):
    def start(self, config=None):
        s = self.sonde(config)
        s.wait_ready()
        return s

    def wait_lines(self, s, listener, total):
        """Waits until `total` lines of `listener` have been counted (any result)."""
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            samples, _, _ = parse_exposition(s.metrics())
            n = sum(v for (name, labels), v in samples.items()
                    if name == "sonde_ingest_lines_total" and dict(labels)["listener"] == listener)
            if n >= total:
                return samples
            time.sleep(0.02)
        raise AssertionError(f"{listener}: fewer than {total} lines counted:\n" + s.log())

    def log_address(self, s, listener):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            m = re.search(rf"ingest: {listener} bound to (\S+)", s.log())
            if m:
                return m.group(1)
            time.sleep(0.02)
        raise AssertionError(f"no address logged for {listener}:\n" + s.log())


class Unixgram(IngestCase):
    def test_raw_datagrams_give_exact_values(self):
        s = self.start()
        path = os.path.join(s.tmp, "dsd.sock")
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o660)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        datagrams = [
            b"api.requests:1|c|#route:/users,method:GET\napi.requests:2|c|@0.5|#method:GET,route:/users",
            b"queue.depth:10|g\nqueue.depth:-3|g\nqueue.depth:+1.5|g",
            b"api.latency:250|ms\napi.latency:1500|ms|#x:y\napi.size:300|h",
            b"bad line\n|\nnode_fake_metric:5|g\nneg:-1|c\nok.after.bad:7|c",
            b"users:alice|s\nusers:bob|s\nusers:alice|s",
            b"_e{6,2}:deploy|ok|t:success|#env:prod\n_sc|db|2|d:1600000000|#env:prod",
        ]
        for d in datagrams:
            c.sendto(d, path)
        samples = self.wait_lines(s, "unixgram", 18)
        self.assertEqual(samples[series("api_requests_total", method="GET", route="/users")], 5)
        self.assertEqual(samples[series("queue_depth")], 8.5)
        self.assertEqual(samples[series("api_latency_sum")], 0.25)
        self.assertEqual(samples[series("api_latency_bucket", le="0.25")], 1)
        self.assertEqual(samples[series("api_latency_bucket", le="0.1")], 0)
        self.assertEqual(samples[series("api_latency_count", x="y")], 1)
        self.assertEqual(samples[series("api_latency_bucket", x="y", le="2.5")], 1)
        self.assertEqual(samples[series("api_size_sum")], 300)  # h: taken as sent
        self.assertEqual(samples[series("api_size_bucket", le="+Inf")], 1)
        self.assertEqual(samples[series("ok_after_bad_total")], 7)
        self.assertEqual(samples[series("users")], 2)
        self.assertEqual(samples[series("sonde_app_events_total", title="deploy",
                                        alert_type="success", priority="normal", env="prod")], 1)
        self.assertEqual(samples[series("sonde_app_service_check_status", check="db", env="prod")], 2)
        self.assertEqual(samples[series("sonde_app_service_check_timestamp_seconds", check="db",
                                        env="prod")], 1600000000)
        lines = {dict(l)["result"]: v for (n, l), v in samples.items()
                 if n == "sonde_ingest_lines_total"}
        self.assertEqual(lines, {"accepted": 14, "malformed": 2, "dropped": 2})
        dropped = {dict(l)["reason"]: v for (n, l), v in samples.items()
                   if n == "sonde_ingest_dropped_total"}
        self.assertEqual(dropped["malformed"], 2)
        self.assertEqual(dropped["reserved_name"], 1)
        self.assertEqual(dropped["negative_counter"], 1)
        self.assertEqual(sum(dropped.values()), lines["malformed"] + lines["dropped"])
        self.assertNotIn(series("node_fake_metric"), samples)
        # The warning is logged after the line is counted: wait for it, do not race it.
        self.wait_for(s, "the dropped-line warning", lambda: "dropped line (malformed)" in s.log())

    def test_datagram_over_max_datagram_bytes_is_counted_not_lost(self):
        # Regression: a 200,000-byte datagram of 8,000 lines gave 2,621 accepted, 1 line cut
        # and 5,378 lines nowhere. What truncation cuts off is now counted, in datagrams and
        # in bytes (the datagram's real length, MSG_TRUNC), and logged.
        s = self.start()
        line = b"trunc_line_aaaaaaaaa:1|c\n"
        self.assertEqual(len(line), 25)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)
        c.sendto(line * 8000, os.path.join(s.tmp, "dsd.sock"))
        samples = self.wait_lines(s, "unixgram", 2622)
        # 65,536 bytes arrive: 2,621 whole lines and 11 bytes of the next, one cut line.
        self.assertEqual(samples[series("trunc_line_aaaaaaaaa_total")], 2621)
        self.assertEqual(samples[series("sonde_ingest_lines_total", listener="unixgram",
                                        result="malformed")], 1)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="truncated")], 1)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="line_too_long")], 0)
        self.assertEqual(
            samples[series("sonde_ingest_truncated_datagrams_total", listener="unixgram")], 1)
        self.assertEqual(
            samples[series("sonde_ingest_truncated_bytes_total", listener="unixgram")],
            200000 - 65536)
        # The log reaches the harness through a pipe: wait for it, do not race the scrape.
        warning = ("ingest: unixgram: datagram of 200000 bytes truncated to "
                   "max_datagram_bytes (65536); 134464 bytes lost: raise "
                   "ingest.max_datagram_bytes or send smaller datagrams")
        self.wait_for(s, "the truncation warning", lambda: warning in s.log())

    def test_stale_socket_is_replaced_and_removed_at_exit(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "dsd.sock")
        stale = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        stale.bind(path)
        stale.close()  # the file stays, nobody listens: stale
        s.start()
        s.wait_ready()
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b"x:1|c", path)
        samples = self.wait_lines(s, "unixgram", 1)
        self.assertEqual(samples[series("x_total")], 1)
        self.assertEqual(s.stop(), 0)
        self.assertFalse(os.path.exists(path))

    def test_other_file_at_socket_path_is_an_error_and_kept(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "dsd.sock")
        with open(path, "w") as f:
            f.write("precious")
        s.start()
        s.proc.wait(DEADLINE)
        self.assertEqual(s.proc.returncode, 1)
        self.assertIn("exists and is not a socket; not removing it", s.log())
        with open(path) as f:
            self.assertEqual(f.read(), "precious")

    def test_configured_path_and_mode(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "sub", "app.sock")
        s = self.start(f"ingest:\n  unixgram:\n    path: {path}\n    mode: \"0600\"\n")
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)

    def test_runtime_dir_falls_back_to_xdg_runtime_dir(self):
        probe = self.sonde(start=False)
        xdg = os.path.join(probe.tmp, "xdg")
        os.mkdir(xdg)
        s = self.sonde(env={"RUNTIME_DIRECTORY": "", "XDG_RUNTIME_DIR": xdg})
        s.wait_ready()
        path = os.path.join(xdg, "sonde", "dsd.sock")
        self.assertTrue(stat.S_ISSOCK(os.stat(path).st_mode))
        self.assertEqual(stat.S_IMODE(os.stat(os.path.dirname(path)).st_mode), 0o700)

    def test_sigterm_stops_promptly_with_listeners(self):
        s = self.start("ingest:\n  udp: {enabled: true, address: '127.0.0.1:0'}\n"
                       "  unixstream: {enabled: true}\n")
        t0 = time.monotonic()
        self.assertEqual(s.stop(), 0)
        self.assertLess(time.monotonic() - t0, DEADLINE)


class Udp(IngestCase):
    def test_python3_statsd_client(self):
        s = self.start("ingest:\n  udp: {enabled: true, address: '127.0.0.1:0'}\n")
        host, port = self.log_address(s, "udp").rsplit(":", 1)
        # Debian's python3-statsd, run by Debian's interpreter (the one its package targets).
        script = f"""
import statsd
client = statsd.StatsClient({host!r}, {port}, prefix="app")
client.incr("jobs.done")
client.incr("jobs.done", 4)
client.decr("jobs.inflight_gauge_like", 1)  # a counter decrement: negative_counter
client.gauge("workers", 8)
client.gauge("workers", -2, delta=True)
client.timing("step", 320)
client.set("visitors", "u1")
client.set("visitors", "u2")
with client.pipeline() as pipe:
    pipe.incr("jobs.done", 5)
    pipe.timing("step", 80)
"""
        python = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
        r = subprocess.run([python, "-c", script], capture_output=True, text=True,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, "python3-statsd (tools/install-deps.sh): " + r.stderr)
        samples = self.wait_lines(s, "udp", 10)
        self.assertEqual(samples[series("app_jobs_done_total")], 10)
        self.assertEqual(samples[series("app_workers")], 6)
        self.assertEqual(samples[series("app_step_count")], 2)
        self.assertAlmostEqual(samples[series("app_step_sum")], 0.4)
        self.assertEqual(samples[series("app_step_bucket", le="0.25")], 1)
        self.assertEqual(samples[series("app_visitors")], 2)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="negative_counter")], 1)
        self.assertEqual(samples[series("sonde_ingest_kernel_dropped_total", listener="udp")], 0)


    def test_datagram_over_max_datagram_bytes_is_counted(self):
        s = self.start("ingest:\n  max_datagram_bytes: 1024\n"
                       "  udp: {enabled: true, address: '127.0.0.1:0'}\n")
        host, port = self.log_address(s, "udp").rsplit(":", 1)
        c = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        # 2,000 bytes: 40 whole lines (1,000 bytes), then 24 bytes of the 41st.
        c.sendto(b"trunc_line_aaaaaaaaa:1|c\n" * 80, (host, int(port)))
        samples = self.wait_lines(s, "udp", 41)
        self.assertEqual(samples[series("trunc_line_aaaaaaaaa_total")], 40)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="truncated")], 1)
        self.assertEqual(samples[series("sonde_ingest_truncated_datagrams_total", listener="udp")],
                         1)
        self.assertEqual(samples[series("sonde_ingest_truncated_bytes_total", listener="udp")],
                         2000 - 1024)
        self.assertEqual(samples[series("sonde_ingest_truncated_datagrams_total",
                                        listener="unixgram")], 0)

    def test_udp_kernel_drops_are_counted_exactly(self):
        # The smallest receive buffer sonde accepts holds a handful of datagrams: a burst
        # overflows it, and the kernel's drop count (SO_RXQ_OVFL) accounts for every datagram
        # that was sent and not received.
        s = self.start("ingest:\n  udp: {enabled: true, address: '127.0.0.1:0', "
                       "receive_buffer_bytes: 4096}\n")
        host, port = self.log_address(s, "udp").rsplit(":", 1)
        sender = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.addCleanup(sender.close)
        target = (host, int(port))
        sent = flushes_sent = 0
        deadline = time.monotonic() + DEADLINE
        while True:
            for _ in range(20000):
                sender.sendto(b"burst:1|c", target)
            sent += 20000
            # Drops are reported with the next datagram received after them: once the buffer
            # has drained, a flush datagram that gets through brings the count up to date.
            samples, _, _ = parse_exposition(s.metrics())
            flushed = samples.get(series("flush_total"), 0)
            while samples.get(series("flush_total"), 0) == flushed:
                self.assertLess(time.monotonic(), deadline, s.log())
                time.sleep(0.05)
                sender.sendto(b"flush:1|c", target)
                flushes_sent += 1
                time.sleep(0.05)
                samples, _, _ = parse_exposition(s.metrics())
            dropped = samples[series("sonde_ingest_kernel_dropped_total", listener="udp")]
            if dropped > 0:
                break
            self.assertLess(time.monotonic(), deadline, "no burst ever overflowed 4 KiB")
        received = samples.get(series("burst_total"), 0)
        self.assertGreater(received, 0)
        # Every burst datagram was received or counted as dropped by the kernel; the count may
        # also include flush datagrams that were dropped, never more.
        self.assertGreaterEqual(received + dropped, sent)
        self.assertLessEqual(received + dropped, sent + flushes_sent)


class Unixstream(IngestCase):
    def test_newline_framing(self):
        s = self.start("ingest:\n  unixstream: {enabled: true, max_connections: 2}\n")
        path = os.path.join(s.tmp, "dsd-stream.sock")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.connect(path)
        # Lines split across writes, and an over-long line that must not stop the others.
        c.sendall(b"a:1|c\na:")
        time.sleep(0.05)
        c.sendall(b"2|c\n" + b"long:" + b"9" * 20000 + b"|c\nb:3|g\n")
        samples = self.wait_lines(s, "unixstream", 4)
        self.assertEqual(samples[series("a_total")], 3)
        self.assertEqual(samples[series("b")], 3)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="line_too_long")], 1)
        # A third connection beyond max_connections is closed and counted.
        c2 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c3 = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c2.close)
        self.addCleanup(c3.close)
        c2.connect(path)
        c3.connect(path)
        c3.settimeout(DEADLINE)
        self.assertEqual(c3.recv(1), b"")  # closed by sonde
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(
            samples[series("sonde_ingest_connections_rejected_total", listener="unixstream")], 1)

    def test_length_prefixed_framing(self):
        s = self.start("ingest:\n  unixstream: {enabled: true, framing: length-prefixed}\n")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.addCleanup(c.close)
        c.connect(os.path.join(s.tmp, "dsd-stream.sock"))
        frames = [b"f:1|c\nf:2|c", b"g:5|g"]
        c.sendall(b"".join(struct.pack("<I", len(f)) + f for f in frames))
        samples = self.wait_lines(s, "unixstream", 3)
        self.assertEqual(samples[series("f_total")], 3)
        self.assertEqual(samples[series("g")], 5)
        # A frame cut short by the client closing is one malformed line.
        c.sendall(struct.pack("<I", 100) + b"i:1|c")
        c.close()
        samples = self.wait_lines(s, "unixstream", 4)
        self.assertNotIn(series("i_total"), samples)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="malformed")], 1)

    def closed_by_sonde(self, c):
        c.settimeout(DEADLINE)
        try:
            return c.recv(1) == b""
        except ConnectionResetError:
            return True

    def test_bad_length_header_closes_the_connection(self):
        # Regression: a length over max_datagram_bytes cost one line_too_long, and sonde then
        # skipped that many bytes: every later frame of the connection vanished uncounted. Now
        # it is counted as frame_too_long and the connection is closed, so the sender sees it.
        s = self.start("ingest:\n  unixstream: {enabled: true, framing: length-prefixed}\n")
        path = os.path.join(s.tmp, "dsd-stream.sock")

        def connect():
            c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.addCleanup(c.close)
            c.connect(path)
            return c

        def frame(payload):
            return struct.pack("<I", len(payload)) + payload

        # A header announcing 16 MiB, after a good frame and before others.
        c = connect()
        c.sendall(frame(b"before:1|c") + struct.pack("<I", 16 << 20) + frame(b"after:1|c") * 10)
        self.assertTrue(self.closed_by_sonde(c))
        samples = self.wait_lines(s, "unixstream", 2)
        self.assertEqual(samples[series("before_total")], 1)
        self.assertNotIn(series("after_total"), samples)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="frame_too_long")], 1)
        self.assertEqual(samples[series("sonde_ingest_lines_total", listener="unixstream",
                                        result="malformed")], 1)
        # The warning is logged after the counts and read from sonde's output by another
        # thread: wait for it (a deadline that only catches its absence).
        want = re.compile(r"frame length 16777216 over max_datagram_bytes \(65536\); "
                          r"closing the connection")
        deadline = time.monotonic() + DEADLINE
        while not want.search(s.log()) and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertRegex(s.log(), want)

        # Plain newline-framed text sent to the length-prefixed socket: "plai" is the length.
        c = connect()
        c.sendall(b"plain:1|c\nplain:2|c\n")
        self.assertTrue(self.closed_by_sonde(c))
        samples = self.wait_lines(s, "unixstream", 3)
        self.assertNotIn(series("plain_total"), samples)
        self.assertEqual(samples[series("sonde_ingest_dropped_total", reason="frame_too_long")], 2)
        self.assertIn('dropped line (frame_too_long): "plain:1|c', s.log())

        # A new connection is served as before.
        c = connect()
        c.sendall(frame(b"again:1|c"))
        c.close()
        samples = self.wait_lines(s, "unixstream", 4)
        self.assertEqual(samples[series("again_total")], 1)


class Mapping(IngestCase):
    def test_statsd_exporter_example_config_maps_its_three_examples(self):
        mapping = os.path.join(CORPUS, "config.example.yml")
        s = self.start(f"ingest:\n  mapping_file: {mapping}\n")
        self.assertRegex(s.log(), r"mapping file: ignoring .*native_histogram_bucket_factor")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b"test.timing.api.aws.success:20|ms\n"
                 b"consistent_app.timing.api.gcp.error:15|ms\n"
                 b"other.distribution.api.azure.ok:7|d\n"
                 b"unmapped.thing:1|c", os.path.join(s.tmp, "dsd.sock"))
        samples = self.wait_lines(s, "unixgram", 4)
        _, types, helps = parse_exposition(s.metrics())
        labels = dict(provider="aws", outcome="success", job="api_server")
        self.assertEqual(samples[series("my_timer_bucket", le="0.025", **labels)], 1)
        self.assertEqual(samples[series("my_timer_bucket", le="0.01", **labels)], 0)
        self.assertEqual(samples[series("my_timer_sum", **labels)], 0.02)
        self.assertEqual(types["my_timer"], "histogram")
        self.assertEqual(helps["my_timer"], "Latency of the application")
        labels = dict(provider="gcp", outcome="error", job="api_server")
        self.assertEqual(samples[series("my_consistent_timer_bucket", le="0.015", **labels)], 1)
        self.assertEqual(samples[series("my_consistent_timer_bucket", le="0.014", **labels)], 0)
        labels = dict(provider="azure", outcome="ok", job="api_server_other")
        self.assertEqual(types["other_distribution"], "summary")
        for q in ("0.99", "0.95", "0.9", "0.5"):
            self.assertEqual(samples[series("other_distribution", quantile=q, **labels)], 7)
        self.assertEqual(samples[series("unmapped_thing_total")], 1)

    def test_bad_mapping_file_stops_startup_with_position(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "mapping.yml")
        with open(path, "w") as f:
            f.write("mappings:\n  - match: a.*\n    name: a\n    honor_labels: true\n")
        r = run_sonde(["--config", self._write(s, f"ingest:\n  mapping_file: {path}\n"),
                       "--web.listen-address", "127.0.0.1:0"],
                      )
        self.assertEqual(r.returncode, 78, r.stdout + r.stderr)
        self.assertIn("mapping.yml:4:5: mappings[0].honor_labels: unknown key", r.stdout + r.stderr)

    def test_config_check_validates_the_mapping_file(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "mapping.yml")
        with open(path, "w") as f:
            f.write("mappings:\n  - match: a.*\n    nme: a\n")
        r = run_sonde(["config", "check", self._write(s, f"ingest:\n  mapping_file: {path}\n")])
        self.assertEqual(r.returncode, 1, r.stdout + r.stderr)
        self.assertIn("mapping.yml:3:5: mappings[0].nme: unknown key", r.stderr)
        good = os.path.join(CORPUS, "config.example.yml")
        r = run_sonde(["config", "check", self._write(s, f"ingest:\n  mapping_file: {good}\n")])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("warning: mapping file: ignoring", r.stderr)

    def _write(self, s, text):
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(text)
        return path


if __name__ == "__main__":
    unittest.main()
