"""The real daemon over real sockets: content negotiation, gzip, limits and their counters, HEAD,
pipelining, JSON logs, and a real Prometheus 2.42 scraping sonde (OpenMetrics + gzip)."""
import gzip
import json
import os
import re
import socket
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import DEADLINE, SondeTestCase, parse_exposition, run_sonde, start_prometheus

# What Prometheus 2.42 sends when it scrapes (scrape/scrape.go).
PROMETHEUS_ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;"
                     "version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
OPENMETRICS = "application/openmetrics-text; version=1.0.0; charset=utf-8"
TEXT = "text/plain; version=0.0.4; charset=utf-8"


def openmetrics_as_text(body):
    """OpenMetrics back to text 0.0.4 names and types, for comparison with a text scrape."""
    assert body.endswith("# EOF\n"), body[-200:]
    out = []
    for line in body[: -len("# EOF\n")].split("\n"):
        m = re.match(r"# TYPE (\S+) counter$", line)
        if m:
            line = f"# TYPE {m.group(1)}_total counter"
        m = re.match(r"# HELP (\S+) (.*)$", line)
        if m:
            continue  # HELP escapes differ (OpenMetrics escapes quotes); types are compared
        line = re.sub(r" unknown$", " untyped", line) if line.startswith("# TYPE") else line
        out.append(line)
    return "\n".join(out)


def rejected(samples, reason):
    return samples[("sonde_http_rejected_total", frozenset({("reason", reason)}))]


def wait_rejected(s, reason, want):
    """The counter reaches `want`. A timed-out socket is closed by the server's timer before the
    handler that counts it runs, so a client can see the close a moment before the count."""
    deadline = time.monotonic() + DEADLINE
    while True:
        samples, _, _ = parse_exposition(s.metrics())
        got = rejected(samples, reason)
        if got == want or time.monotonic() > deadline:
            return got
        time.sleep(0.02)


def raw_connection(s):
    host, port = s.host_port()
    sock = socket.create_connection((host, port), timeout=DEADLINE)
    return sock


def read_until_closed(sock, deadline=DEADLINE):
    """Everything the server sends until it closes; raises if it never does."""
    sock.settimeout(deadline)
    data = b""
    while True:
        try:
            chunk = sock.recv(65536)
        except ConnectionResetError:
            return data
        if not chunk:
            return data
        data += chunk


class Negotiation(SondeTestCase):
    def setUp(self):
        self.s = self.sonde()
        self.s.wait_ready()

    def test_prometheus_accept_header_gets_openmetrics(self):
        # A live source may publish its families just after start-up: compare with a text scrape
        # once the text scrapes before and after the OpenMetrics one agree.
        for _ in range(20):
            _, before_types, _ = parse_exposition(self.s.metrics())
            status, headers, body = self.s.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT})
            _, text_types, _ = parse_exposition(self.s.metrics())
            if before_types == text_types:
                break
            time.sleep(0.2)
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"], OPENMETRICS)
        self.assertEqual(headers["vary"], "Accept, Accept-Encoding")
        self.assertNotIn("content-encoding", headers)
        text = body.decode()
        self.assertTrue(text.endswith("\n# EOF\n"))
        self.assertEqual(text.count("# EOF"), 1)
        self.assertIn("# TYPE node_cpu_seconds counter\n", text)
        self.assertIn("# TYPE node_context_switches counter\n", text)
        self.assertRegex(text, r"\nnode_context_switches_total \d+\n")
        self.assertNotIn(" untyped\n", text)
        # Same families and types as the text format, under OpenMetrics' names.
        samples, types, _ = parse_exposition(openmetrics_as_text(text))
        self.assertEqual(types, text_types)
        self.assertIn(("node_load1", frozenset()), samples)

    def test_plain_clients_get_text_0_0_4(self):
        for accept in [None, "*/*", "text/plain", "application/openmetrics-text;q=0, */*",
                       "application/json"]:
            headers = {"Accept": accept} if accept else {}
            status, h, body = self.s.get("/metrics", headers=headers)
            self.assertEqual((status, h["content-type"]), (200, TEXT), accept)
            self.assertNotIn("# EOF", body.decode())

    def test_older_prometheus_gets_openmetrics_0_0_1(self):
        accept = "application/openmetrics-text; version=0.0.1,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"
        _, h, body = self.s.get("/metrics", headers={"Accept": accept})
        self.assertEqual(h["content-type"],
                         "application/openmetrics-text; version=0.0.1; charset=utf-8")
        self.assertTrue(body.endswith(b"# EOF\n"))

    def test_gzip_round_trip_in_both_formats(self):
        for accept, ctype in [("*/*", TEXT), (PROMETHEUS_ACCEPT, OPENMETRICS)]:
            status, h, body = self.s.get("/metrics", headers={"Accept": accept,
                                                              "Accept-Encoding": "gzip"})
            self.assertEqual(status, 200)
            self.assertEqual(h["content-encoding"], "gzip")
            self.assertEqual(h["content-type"], ctype)
            self.assertEqual(int(h["content-length"]), len(body))
            text = gzip.decompress(body).decode()
            self.assertIn("node_load1 ", text)
            self.assertLess(len(body), len(text) / 3)  # it really is compressed
            if ctype == OPENMETRICS:
                self.assertTrue(text.endswith("# EOF\n"))
            else:
                parse_exposition(text)

    def test_gzip_refused_with_q0_and_absent_without_header(self):
        for enc in ["gzip;q=0", "identity", "br", "*;q=0", "gzip;q=0, *"]:
            _, h, body = self.s.get("/metrics", headers={"Accept-Encoding": enc})
            self.assertNotIn("content-encoding", h, enc)
            parse_exposition(body.decode())
        # Python's http.client sends Accept-Encoding: identity by default.
        _, h, _ = self.s.get("/metrics")
        self.assertNotIn("content-encoding", h)

    def test_head_with_gzip_has_headers_and_no_body(self):
        conn = self.s.connect()
        conn.request("HEAD", "/metrics", headers={"Accept-Encoding": "gzip"})
        r = conn.getresponse()
        self.assertEqual(r.status, 200)
        self.assertEqual(r.getheader("content-encoding"), "gzip")
        self.assertGreater(int(r.getheader("content-length")), 100)
        self.assertEqual(r.read(), b"")
        # The connection is still usable: HEAD sent no body after the headers.
        conn.request("GET", "/ready")
        r2 = conn.getresponse()
        self.assertEqual((r2.status, r2.read()), (200, b"ready\n"))
        conn.close()

    def test_pipelined_requests_are_answered_in_order(self):
        sock = raw_connection(self.s)
        self.addCleanup(sock.close)
        reqs = b"".join(f"GET {p} HTTP/1.1\r\nHost: t\r\n\r\n".encode()
                        for p in ["/ready", "/nope", "/health"])
        reqs += b"GET /ready HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
        sock.sendall(reqs)
        data = read_until_closed(sock)
        statuses = re.findall(rb"HTTP/1\.1 (\d{3}) ", data)
        self.assertEqual(statuses, [b"200", b"404", b"200", b"200"], data[:500])
        self.assertIn(b'"components"', data)

    def test_requests_are_counted_by_handler_and_code(self):
        for _ in range(3):
            self.s.get("/nope")
        self.s.get("/metrics", method="POST")
        samples, types, _ = parse_exposition(self.s.metrics())
        req = lambda h, c: samples.get(("sonde_http_requests_total",
                                        frozenset({("handler", h), ("code", c)})), 0)
        self.assertEqual(req("other", "404"), 3)
        self.assertEqual(req("/metrics", "405"), 1)
        self.assertGreaterEqual(req("/ready", "200"), 1)
        self.assertEqual(types["sonde_http_request_duration_seconds"], "histogram")
        count = samples[("sonde_http_request_duration_seconds_count",
                         frozenset({("handler", "/metrics")}))]
        self.assertGreaterEqual(count, 1)  # earlier scrapes (this one is counted after rendering)
        for reason in ["max_connections", "header_too_large", "body_too_large", "bad_request",
                       "read_timeout", "write_timeout"]:
            self.assertEqual(rejected(samples, reason), 0, reason)


class Limits(SondeTestCase):
    def test_connection_limit_closes_extra_connections_and_counts_them(self):
        s = self.sonde(config="web:\n  max_connections: 3\n")
        s.wait_ready()
        held = []
        deadline = time.monotonic() + DEADLINE
        while len(held) < 3:
            # wait_ready's own connection counts until the server has read its close; a
            # connection refused for that reason is retried, not a failure.
            c = s.connect()
            try:
                c.request("GET", "/ready")
                self.assertEqual(c.getresponse().read(), b"ready\n")  # accepted and counted
                held.append(c)
            except (ConnectionError, OSError):
                c.close()
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        extra = raw_connection(s)
        extra.sendall(b"GET /ready HTTP/1.1\r\nHost: t\r\n\r\n")
        self.assertEqual(read_until_closed(extra), b"")  # closed without an answer
        extra.close()
        # The held ones still work.
        held[0].request("GET", "/ready")
        self.assertEqual(held[0].getresponse().status, 200)
        held.pop().close()
        # A freed slot is usable (the close may take a moment to be noticed).
        deadline = time.monotonic() + DEADLINE
        while True:
            try:
                samples, _, _ = parse_exposition(s.metrics())
                break
            except (ConnectionError, OSError, AssertionError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        self.assertGreaterEqual(rejected(samples, "max_connections"), 1)
        for c in held:
            c.close()
        self.assertIn("max_connections", s.log())

    def test_trickling_client_is_dropped_after_read_timeout(self):
        s = self.sonde(config="web:\n  read_timeout: 500ms\n")
        s.wait_ready()
        sock = raw_connection(s)
        self.addCleanup(sock.close)
        request = b"GET /metrics HTTP/1.1\r\nHost: t\r\nX-Slow: " + b"a" * 200 + b"\r\n\r\n"
        start = time.monotonic()
        dropped = False
        for i in range(len(request)):  # one byte every 50 ms: 10 s for the whole request
            try:
                sock.sendall(request[i:i + 1])
            except (BrokenPipeError, ConnectionResetError):
                dropped = True
                break
            sock.settimeout(0.05)
            try:
                if sock.recv(1) == b"":
                    dropped = True
                    break
            except socket.timeout:
                pass
            except ConnectionResetError:
                dropped = True
                break
            if time.monotonic() - start > DEADLINE:
                break
        self.assertTrue(dropped, "a trickling client was never dropped")
        self.assertLess(i, len(request) - 1, "the whole request got through")
        self.assertEqual(wait_rejected(s, "read_timeout", 1), 1)

    def test_silent_connection_is_dropped_after_read_timeout(self):
        s = self.sonde(config="web:\n  read_timeout: 300ms\n")
        s.wait_ready()
        sock = raw_connection(s)
        self.addCleanup(sock.close)
        self.assertEqual(read_until_closed(sock), b"")
        self.assertEqual(wait_rejected(s, "read_timeout", 1), 1)

    def test_client_that_stops_reading_is_dropped_after_write_timeout(self):
        s = self.sonde(config="web:\n  write_timeout: 500ms\n")
        s.wait_ready()
        host, port = s.host_port()
        sock = socket.socket()
        self.addCleanup(sock.close)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
        sock.settimeout(DEADLINE)
        sock.connect((host, port))
        # 200 pipelined scrapes, answered one by one; never read: far more than the socket
        # buffers on both sides hold, so a write stalls.
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n" * 200)
        self.assertEqual(wait_rejected(s, "write_timeout", 1), 1)
        # The connection is gone: what was sent ends in a close, far short of 200 responses.
        data = read_until_closed(sock)
        self.assertLess(data.count(b"HTTP/1.1 200 OK"), 200)
        self.assertIn("write_timeout", s.log())
        # The server still answers others.
        status, _, _ = s.request("/ready")
        self.assertEqual(status, 200)

    def test_oversize_headers_get_431_and_a_close(self):
        s = self.sonde()  # default max_header_bytes: 8192
        s.wait_ready()
        sock = raw_connection(s)
        self.addCleanup(sock.close)
        sock.sendall(b"GET /metrics HTTP/1.1\r\nHost: t\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
        data = read_until_closed(sock)
        self.assertTrue(data.startswith(b"HTTP/1.1 431 "), data[:200])
        self.assertIn(b"Connection: close", data)
        # 8 KiB of headers in all is still fine.
        status, _, _ = s.get("/ready", headers={"X-Ok": "a" * 7000})
        self.assertEqual(status, 200)
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(rejected(samples, "header_too_large"), 1)

    def test_garbage_gets_400_and_is_counted(self):
        s = self.sonde()
        s.wait_ready()
        sock = raw_connection(s)
        self.addCleanup(sock.close)
        sock.sendall(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03 TLS hello\r\n\r\n")
        data = read_until_closed(sock)
        self.assertTrue(data.startswith(b"HTTP/1.1 400 "), data[:200])
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(rejected(samples, "bad_request"), 1)

    def test_repeated_rejections_are_logged_rate_limited(self):
        s = self.sonde(config="web:\n  max_header_bytes: 1024\n")
        s.wait_ready()
        for _ in range(30):
            sock = raw_connection(s)
            sock.sendall(b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 2000 + b"\r\n\r\n")
            read_until_closed(sock)
            sock.close()
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(rejected(samples, "header_too_large"), 30)
        lines = [l for l in s.log().splitlines() if "header_too_large" in l]
        self.assertGreaterEqual(len(lines), 1)
        self.assertLessEqual(len(lines), 10, "\n".join(lines))


class JsonLogs(SondeTestCase):
    def test_log_format_json_gives_one_object_per_line(self):
        s = self.sonde(args=["--log.format", "json"])
        s.wait_ready()
        sock = raw_connection(s)
        sock.sendall(b'GET / HTTP/1.1\r\nX-Big: "quoted\\' + b"a" * 9000 + b"\r\n\r\n")
        read_until_closed(sock)
        sock.close()
        s.stop()
        lines = [l for l in s.log().splitlines() if l.strip()]
        self.assertGreaterEqual(len(lines), 3)
        docs = [json.loads(l) for l in lines]
        for d in docs:
            self.assertEqual(set(d), {"ts", "level", "logger", "msg"})
        self.assertTrue(any("header_too_large" in d["msg"] for d in docs))
        self.assertTrue(any(d["msg"].startswith("sonde ") and "listening on" in d["msg"]
                            for d in docs))

    def test_json_log_escapes_quotes_backslashes_and_control_bytes(self):
        bad = 'no"port\\here\tx'
        r = run_sonde(["--log.format", "json", "--web.listen-address", bad])
        self.assertEqual(r.returncode, 1, r.stderr)
        lines = [l for l in r.stderr.splitlines() if l.strip()]
        docs = [json.loads(l) for l in lines]
        self.assertTrue(any(bad in d["msg"] for d in docs), r.stderr)
        self.assertEqual(docs[-1]["level"], "error")

    def test_config_log_format_json_and_flag_override(self):
        s = self.sonde(config="log:\n  format: json\n", args=["--log.format", "text"])
        s.wait_ready()
        s.stop()
        self.assertFalse(s.log().lstrip().startswith("{"), s.log())


class RealPrometheus(SondeTestCase):
    """Prometheus 2.42 scrapes sonde with its own Accept header (OpenMetrics first) and gzip."""

    def test_prometheus_scrapes_openmetrics_and_gzip_and_gets_every_series(self):
        s = self.sonde()
        s.wait_ready()
        tmp = tempfile.mkdtemp(prefix="sonde-prom-")
        self.addCleanup(subprocess.run, ["rm", "-rf", tmp])
        cfg = os.path.join(tmp, "prometheus.yml")
        with open(cfg, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n"
                    "scrape_configs:\n  - job_name: sonde\n    static_configs:\n"
                    f"      - targets: ['{s.address}']\n")
        port = start_prometheus(self, cfg, f"{tmp}/data")

        def query(expr):
            url = f"http://127.0.0.1:{port}/api/v1/query?query=" + urllib.parse.quote(expr)
            with urllib.request.urlopen(url, timeout=5) as r:
                return json.load(r)["data"]["result"]

        deadline = time.monotonic() + 2 * DEADLINE
        result = []
        while time.monotonic() < deadline:
            try:
                result = query('up{job="sonde"}')
                # Two scrapes in, so rate-style checks and counters have history.
                if result and result[0]["value"][1] == "1" and \
                        query('count(node_load1{job="sonde"})'):
                    break
            except OSError:
                pass
            time.sleep(0.5)
        self.assertTrue(result and result[0]["value"][1] == "1", f"up={result}")
        # Prometheus got OpenMetrics: its scrapes show up as OpenMetrics-typed series names
        # (counters with _total), and sonde counted them as 200s with the /metrics handler.
        self.assertTrue(query('node_context_switches_total{job="sonde"}'))
        self.assertTrue(query('sonde_http_requests_total{job="sonde",handler="/metrics",code="200"}'))
        self.assertTrue(query('sonde_http_request_duration_seconds_bucket{job="sonde",'
                              'handler="/metrics",le="+Inf"}'))
        scraped = query('scrape_samples_scraped{job="sonde"}')
        self.assertGreater(float(scraped[0]["value"][1]), 100)
        # Nothing was dropped as unparsable: every sample sonde exposes was ingested.
        samples, _, _ = parse_exposition(s.metrics())
        self.assertAlmostEqual(float(scraped[0]["value"][1]), len(samples),
                               delta=len(samples) * 0.1)
        # Prometheus really parsed OpenMetrics: its metadata names a counter family without
        # `_total` only when the exposition was OpenMetrics (text 0.0.4 names it with `_total`).
        url = (f"http://127.0.0.1:{port}/api/v1/targets/metadata"
               "?match_target=" + urllib.parse.quote('{job="sonde"}'))
        with urllib.request.urlopen(url, timeout=5) as r:
            meta = {m["metric"]: m["type"] for m in json.load(r)["data"]}
        self.assertEqual(meta.get("node_context_switches"), "counter", meta)
        self.assertNotIn("node_context_switches_total", meta)
        self.assertEqual(meta.get("sonde_http_request_duration_seconds"), "histogram")
        # The same request Prometheus makes, with gzip.
        _, h, _ = s.get("/metrics", headers={"Accept": PROMETHEUS_ACCEPT,
                                              "Accept-Encoding": "gzip"})
        self.assertEqual((h["content-type"], h["content-encoding"]), (OPENMETRICS, "gzip"))


if __name__ == "__main__":
    unittest.main()
