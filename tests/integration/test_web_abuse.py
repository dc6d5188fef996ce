"""The web endpoint keeps serving its scraper while others misbehave (issue 18): a real
Prometheus 2.42 scrapes sonde over TLS with basic auth from 127.0.0.1 every second while
clients from other loopback addresses (abuse.py, each its own process)
  - open 300 connections that never handshake or trickle a byte a second,
  - send 1,000 wrong passwords a second for 10 s while the users file changes (a cold cache),
  - request a large /metrics on 64 connections and never read it.
Every scrape during the abuse must succeed (`up` 1 throughout), and sonde's resident memory
must stay within the bound docs/web.md states. Success and memory only, never timing: latency
under abuse is bench/web_abuse_bench.py's."""
import base64
import http.client
import json
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import Sonde, rss_bytes as rss, sanitized, spawn_prometheus, stop_process
from webtls import bcrypt_hash, make_ca, make_cert

HERE = os.path.dirname(os.path.abspath(__file__))
PASSWORD = "scraper password"
# /metrics made large by the textfile collector: SERIES series, ~3 MB of text.
SERIES = 60_000
FLOOD_SOURCES = ",".join(f"127.0.0.{i}" for i in range(2, 10))
LIMIT = 32 << 20  # web.max_response_bytes_in_flight in these tests
# What one open connection may cost at most (measured: 76 KiB idle with TLS, 7 KiB without;
# bench/web_connection_cost.py, docs/web.md).
PER_CONNECTION = 96 << 10
# glibc's allocator keeps some freed memory and bodies being rendered are not yet counted:
# two bodies of slack.
SLACK = 16 << 20


def write_prom(directory, series):
    tmp = os.path.join(directory, "big.prom.tmp")
    with open(tmp, "w") as f:
        f.write("# HELP abuse_padding Padding that makes /metrics large.\n"
                "# TYPE abuse_padding gauge\n")
        for i in range(series):
            f.write(f'abuse_padding{{shard="{i % 97}",item="item-{i:06d}"}} {i}\n')
    os.rename(tmp, os.path.join(directory, "big.prom"))


class Abuse:
    """One abuse.py process, terminated (by its pid) when the test ends."""

    def __init__(self, test, *args):
        self.proc = subprocess.Popen([sys.executable, os.path.join(HERE, "abuse.py")] +
                                     [str(a) for a in args], stdout=subprocess.PIPE, text=True)
        test.addCleanup(self.stop)

    def wait_line(self):
        return self.proc.stdout.readline().strip()

    def stop(self):
        stop_process(self.proc)
        self.proc.stdout.close()


class WebAbuseTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sonde-abuse-")
        make_ca(cls.dir)
        make_cert(cls.dir, "server")
        cls.ca = os.path.join(cls.dir, "ca.pem")
        cls.web = os.path.join(cls.dir, "web.yml")
        cls.write_users(bcrypt_hash(PASSWORD))
        textfile = os.path.join(cls.dir, "textfile")
        os.mkdir(textfile)
        write_prom(textfile, SERIES)
        cls.sonde = Sonde(config=f"web:\n  max_response_bytes_in_flight: {LIMIT}\n"
                                 f"collectors:\n  textfile:\n    directory: {textfile}\n",
                          args=["--web.config.file", cls.web])
        cls.sonde.start()
        _, cls.port = cls.sonde.host_port()
        conf = os.path.join(cls.dir, "prometheus.yml")
        pw = os.path.join(cls.dir, "password")
        with open(pw, "w") as f:
            f.write(PASSWORD)
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\nscrape_configs:\n"
                    "  - job_name: sonde\n    scheme: https\n"
                    f"    tls_config:\n      ca_file: {cls.ca}\n      server_name: localhost\n"
                    f"    basic_auth:\n      username: prometheus\n      password_file: {pw}\n"
                    f"    static_configs:\n      - targets: ['127.0.0.1:{cls.port}']\n")
        cls.prom, cls.prom_port = spawn_prometheus(conf, os.path.join(cls.dir, "data"))
        try:
            cls.wait_scraping()
            cls.warm_up()
        except BaseException:
            cls.tearDownClass()
            raise

    @classmethod
    def warm_up(cls):
        """A short abuse before any test measures: the first one in a fresh process also pays
        for what stays allocated once (glibc's per-thread arenas, TLS and body buffers reached
        for the first time: 35-60 MiB here), which is not what a bound on the abuse's cost is
        about. Each test's bound is then on what its own abuse adds."""
        class Once(unittest.TestCase):
            def runTest(self):
                pass
        holder = Once()
        abuse = Abuse(holder, "stall", cls.port, "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5", 64,
                      cls.ca, "prometheus", PASSWORD, "/metrics")
        if abuse.wait_line() != "ready":
            raise AssertionError("the warm-up abuse did not start")
        time.sleep(5)
        abuse.stop()
        holder.doCleanups()

    @classmethod
    def tearDownClass(cls):
        stop_process(cls.prom)
        cls.sonde.stop()
        cls.sonde.cleanup()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def write_users(cls, password_hash):
        tmp = cls.web + ".tmp"
        with open(tmp, "w") as f:
            f.write("tls_server_config:\n  cert_file: server.pem\n  key_file: server_key.pem\n"
                    f"basic_auth_users:\n  prometheus: '{password_hash}'\n")
        os.rename(tmp, cls.web)

    @classmethod
    def query(cls, q, at=None):
        params = {"query": q}
        if at is not None:
            params["time"] = f"{at:.3f}"
        url = f"http://127.0.0.1:{cls.prom_port}/api/v1/query?" + urllib.parse.urlencode(params)
        with urllib.request.urlopen(url, timeout=10) as r:
            res = json.load(r)["data"]["result"]
        return float(res[0]["value"][1]) if res else None

    @classmethod
    def wait_scraping(cls):
        """Until Prometheus has scraped the whole large /metrics a few times."""
        end = time.monotonic() + 90
        while time.monotonic() < end:
            try:
                if (cls.query('count_over_time(up{job="sonde"}[5s])') or 0) >= 3 and \
                        cls.query('min_over_time(up{job="sonde"}[5s])') == 1 and \
                        (cls.query('scrape_samples_scraped{job="sonde"}') or 0) > SERIES:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise AssertionError("Prometheus never scraped sonde: " + cls.sonde.log()[-3000:])

    def check_abuse(self, run, seconds, connections):
        """Runs `run()` (which starts the abuse and returns when it is over); then every scrape
        Prometheus made meanwhile succeeded, and RSS stayed under its bound."""
        self.wait_scraping()
        pid = self.sonde.proc.pid
        before = rss(pid)
        start = time.time()
        peak = [before]

        def sample():
            peak[0] = max(peak[0], rss(pid))
        run(sample)
        sample()
        end = time.time()
        time.sleep(2.5)  # the last scrapes are in Prometheus's head
        window = int(end - start)
        scrapes = self.query(f'count_over_time(up{{job="sonde"}}[{window}s])', at=end)
        worst = self.query(f'min_over_time(up{{job="sonde"}}[{window}s])', at=end)
        log = self.sonde.log()[-3000:]
        self.assertIsNotNone(scrapes, log)
        self.assertGreaterEqual(scrapes, 3, log)
        self.assertEqual(worst, 1, f"a scrape failed during the abuse\n{log}")
        bound = before + LIMIT + connections * PER_CONNECTION + SLACK
        print(f"RSS {before / 2**20:.1f} MiB before, {peak[0] / 2**20:.1f} MiB at most during the "
              f"abuse (bound {bound / 2**20:.1f}); {scrapes:.0f} scrapes, all up",
              file=sys.stderr)
        # The bound is sonde's memory: under AddressSanitizer freed bodies wait in its quarantine
        # (256 MiB by default) and every allocation has redzones and shadow, so the ASan run
        # checks the scrapes only and the release run checks the bound (as test_ingest_memory).
        if not sanitized(pid):
            self.assertLessEqual(peak[0], bound,
                                 f"RSS {peak[0] >> 20} MiB, from {before >> 20} MiB before")
        return peak[0] - before

    def metric(self, name, reason):
        return self.query(f'{name}{{job="sonde",reason="{reason}"}}')

    def fresh_scrape(self):
        """Status of a /metrics scrape from 127.0.0.1 on a new connection (a new handshake: what
        a scraper needs once its kept-alive connection is gone)."""
        ctx = ssl.create_default_context(cafile=self.ca)
        conn = http.client.HTTPSConnection("localhost", self.port, timeout=30, context=ctx,
                                           source_address=("127.0.0.1", 0))
        token = base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()
        try:
            conn.request("GET", "/metrics", headers={"Authorization": "Basic " + token})
            r = conn.getresponse()
            r.read()
            return r.status
        except OSError as e:
            return repr(e)
        finally:
            conn.close()

    def test_slow_connections_from_one_address(self):
        statuses = []

        def run(sample):
            abuse = Abuse(self, "slow", self.port, "127.0.0.2", 300)
            for _ in range(15):  # 15 s: past read_timeout, so slots are freed and taken again
                statuses.append(self.fresh_scrape())
                time.sleep(1)
                sample()
            abuse.stop()
        self.check_abuse(run, 15, 300)
        self.assertEqual(statuses, [200] * len(statuses))
        self.assertGreater(self.metric("sonde_http_rejected_total", "per_client_limit"), 0)

    def test_wrong_password_flood_with_a_users_change(self):
        def run(sample):
            # From eight addresses: 16 connections each (web.max_connections_per_client), so
            # that web.auth_max_pending (64) checks are pending and the excess gets 429.
            abuse = Abuse(self, "flood", self.port, FLOOD_SOURCES, 1000, 10, self.ca, "prometheus")
            for i in range(20):
                time.sleep(0.5)
                sample()
                if i == 8:  # half-way: a new hash of the same password, so the cache is cold
                    self.write_users(bcrypt_hash(PASSWORD))
            counts = json.loads(abuse.wait_line())
            abuse.stop()
            print(f"flood answers: {counts}", file=sys.stderr)
            # Answered: 401 after a check, 429 when the checks pending are at the limit.
            self.assertGreater(counts.get("401", 0), 0, counts)
            self.assertGreater(counts.get("429", 0), 0, counts)
        self.check_abuse(run, 10, 128)
        self.assertGreater(self.metric("sonde_http_rejected_total", "unauthorized"), 0)
        # The users change was seen (the scraper's credentials verified again).
        self.assertIn("reloaded", self.sonde.log())

    def test_clients_that_never_read_a_large_metrics(self):
        def run(sample):
            # 64 connections over four addresses (web.max_connections_per_client is 16).
            abuse = Abuse(self, "stall", self.port, "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5", 64,
                          self.ca, "prometheus", PASSWORD, "/metrics")
            self.assertEqual(abuse.wait_line(), "ready")
            for _ in range(30):
                time.sleep(0.5)
                sample()
            abuse.stop()
        self.check_abuse(run, 15, 64)


if __name__ == "__main__":
    unittest.main()
