"""sonde-loadgen (docs/loadgen.md) against the real daemon: over unixgram with blocking sends
nothing may be lost, so the lines sonde counts as accepted (read back by the generator from
sonde's own /metrics) equal the lines sent, exactly; the same over unixstream with
length-prefixed framing, and against the bare counting receiver (`sonde-loadgen sink`) through
the generic counter source. The rates are whatever the machine gives: no figure is asserted."""
import csv
import http.server
import os
import re
import shutil
import socket
import subprocess
import tempfile
import threading
import unittest

from harness import DEADLINE, SondeTestCase, parse_exposition

LOADGEN = os.environ.get("SONDE_LOADGEN", "")


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


class LoadgenCase(SondeTestCase):
    def setUp(self):
        if not LOADGEN or not os.access(LOADGEN, os.X_OK):
            raise AssertionError(f"SONDE_LOADGEN={LOADGEN!r} is not an executable")
        self.tmp = tempfile.mkdtemp(prefix="sonde-lg-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def loadgen(self, *args):
        # Generous: a loaded CI machine must not turn a 1-second run into a failure.
        r = subprocess.run([LOADGEN, *args], capture_output=True, text=True,
                           timeout=DEADLINE * 4)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rows = {}
        for line in r.stdout.splitlines():
            kind = line.split(" ", 1)[0]
            rows.setdefault(kind, []).append(fields(line))
        self.assertIn("summary", rows, r.stdout + r.stderr)
        return rows, r.stdout

    def assert_nothing_lost(self, summary, out):
        sent = int(summary["sent"])
        self.assertGreater(sent, 0, out)
        self.assertEqual(int(summary["offered"]), sent, out)
        self.assertEqual(int(summary["refused"]), 0, out)
        self.assertEqual(int(summary["failed"]), 0, out)
        self.assertEqual(int(summary["accepted"]), sent, out)
        self.assertEqual(float(summary["loss_pct"]), 0.0, out)


class Loadgen(LoadgenCase):
    def test_unixgram_blocking_sends_every_line_accepted(self):
        s = self.sonde()
        s.wait_ready()
        path = os.path.join(s.tmp, "dsd.sock")
        url = f"http://{s.address}/metrics"
        for per in ("1", "16"):
            with self.subTest(lines_per_datagram=per):
                before, _, _ = parse_exposition(s.metrics())
                csv_file = os.path.join(self.tmp, f"run{per}.csv")
                rows, out = self.loadgen(
                    "steady", "--unixgram", path, "--series", "1000", "--tags", "2",
                    "--lines-per-datagram", per, "--rate", "20000", "--duration", "1",
                    "--warmup", "0.5", "--sonde", url, "--pid", str(s.proc.pid),
                    "--csv", csv_file, "--label", "it")
                summary = rows["summary"][0]
                self.assert_nothing_lost(summary, out)
                self.assertEqual(summary["transport"], "unixgram")
                self.assertGreater(int(summary["rss_bytes"]), 0, out)
                self.assertIn("cpu_ns_per_line", summary, out)
                # The generator's count is sonde's: its counter moved by exactly that much.
                after, _, _ = parse_exposition(s.metrics())
                key = ("sonde_ingest_lines_total",
                       frozenset({"listener": "unixgram", "result": "accepted"}.items()))
                self.assertEqual(after[key] - before.get(key, 0), int(summary["sent"]))
                self.assertEqual(after[("sonde_ingest_series", frozenset())], 1000)
                with open(csv_file) as f:
                    table = list(csv.DictReader(f))
                self.assertEqual([r["phase"] for r in table], ["window", "all"])
                self.assertEqual(table[-1]["accepted"], summary["accepted"])
                self.assertEqual(table[-1]["label"], "it")

    def test_unixstream_length_prefixed_every_line_accepted(self):
        s = self.sonde("ingest:\n  unixstream:\n    enabled: true\n"
                       "    framing: length-prefixed\n")
        s.wait_ready()
        path = os.path.join(s.tmp, "dsd-stream.sock")
        rows, out = self.loadgen(
            "max", "--unixstream", path, "--framing", "length-prefixed", "--series", "100",
            "--lines-per-datagram", "8", "--duration", "0.5", "--warmup", "0.2",
            "--senders", "2", "--sonde", f"http://{s.address}/metrics")
        self.assert_nothing_lost(rows["summary"][0], out)

    def test_churn_adds_series_at_the_rate_asked(self):
        s = self.sonde()
        s.wait_ready()
        rows, out = self.loadgen(
            "steady", "--unixgram", os.path.join(s.tmp, "dsd.sock"), "--series", "50",
            "--churn", "100", "--rate", "5000", "--duration", "1", "--warmup", "0",
            "--sonde", f"http://{s.address}/metrics")
        self.assert_nothing_lost(rows["summary"][0], out)
        samples, _, _ = parse_exposition(s.metrics())
        # 50 live at a time, 100 new ones a second for the run's ~1 s: more than 50 were seen.
        self.assertGreater(samples[("sonde_ingest_series", frozenset())], 50, out)

    def test_bare_sink_is_a_counter_source(self):
        sock = os.path.join(self.tmp, "sink.sock")
        sink = subprocess.Popen([LOADGEN, "sink", "--unixgram", sock], stdout=subprocess.PIPE,
                                text=True)
        self.addCleanup(sink.stdout.close)
        self.addCleanup(lambda: (sink.poll() is None and sink.kill(), sink.wait()))
        m = re.match(r"listening on (\S+)", sink.stdout.readline())
        self.assertTrue(m)
        rows, out = self.loadgen(
            "steady", "--unixgram", sock, "--lines-per-datagram", "4", "--rate", "10000",
            "--duration", "0.5", "--metrics", f"http://{m.group(1)}/metrics",
            "--counter", "loadgen_sink_lines_total", "--counter-label", "listener=unixgram",
            "--pid", str(sink.pid))
        self.assert_nothing_lost(rows["summary"][0], out)
        sink.terminate()
        self.assertEqual(sink.wait(DEADLINE), 0)
        self.assertIn(f"received lines={rows['summary'][0]['sent']}", sink.stdout.read())

    def test_unreachable_target_fails_with_a_message(self):
        r = subprocess.run([LOADGEN, "steady", "--unixgram", os.path.join(self.tmp, "none"),
                            "--duration", "0.2"], capture_output=True, text=True,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 1)
        self.assertIn("connect", r.stderr)
        r = subprocess.run([LOADGEN, "steady", "--series", "0"], capture_output=True, text=True,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 2)
        # A catch-up of 1 or less never pays a backlog back: refused, naming the flag.
        r = subprocess.run([LOADGEN, "steady", "--catch-up", "1"], capture_output=True,
                           text=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 2)
        self.assertIn("--catch-up must be 0 (no bound) or above 1", r.stderr)


class FakeTarget:
    """A unixgram receiver that counts lines and serves them as fake_lines_total, beside the
    generator's counter series whose values `series(scrape)` gives for the n-th scrape: a target
    that goes wrong on purpose."""

    def __init__(self, tmp, series):
        self.path = os.path.join(tmp, "fake.sock")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.2)
        self.lines = 0
        self.scrapes = 0
        self.stop = False
        target = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                samples = "".join(
                    f'loadgen_requests_total{{t1="v{i % 8}",id="{i}"}} {v}\n'
                    for i, v in series(target.scrapes).items())
                target.scrapes += 1
                body = ("# TYPE fake_lines_total counter\n"
                        f"fake_lines_total {target.lines}\n"
                        "# TYPE loadgen_requests_total counter\n" + samples).encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/plain; version=0.0.4")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.http = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.http.server_address[1]}/metrics"
        self.threads = [threading.Thread(target=self.http.serve_forever),
                        threading.Thread(target=self.receive)]
        for t in self.threads:
            t.start()

    def receive(self):
        while not self.stop:
            try:
                self.lines += self.sock.recv(65536).count(b"\n") + 1
            except socket.timeout:
                pass

    def close(self):
        self.stop = True
        self.http.shutdown()
        for t in self.threads:
            t.join()
        self.http.server_close()
        self.sock.close()


class CounterCheck(LoadgenCase):
    """The counter check (docs/loadgen.md): against the real daemon with a short ttl and churn
    it finds no reset; against a fake target whose counters go down, or lose a live series, it
    finds them and exits 3."""

    def test_soak_with_churn_and_a_short_ttl_has_no_reset(self):
        s = self.sonde("ingest:\n  ttl: 2s\n")
        s.wait_ready()
        csv_file = os.path.join(self.tmp, "soak.csv")
        # 50 live series, 20 new a second (about 250 over the run), each sent every 25 ms.
        rows, out = self.loadgen(
            "soak", "--unixgram", os.path.join(s.tmp, "dsd.sock"), "--series", "50",
            "--churn", "20", "--rate", "2000", "--duration", "10", "--warmup", "0.5",
            "--sample-seconds", "1", "--ttl", "2", "--sonde", f"http://{s.address}/metrics",
            "--pid", str(s.proc.pid), "--csv", csv_file)
        summary = rows["summary"][0]
        self.assert_nothing_lost(summary, out)
        self.assertEqual(int(summary["resets"]), 0, out)
        self.assertEqual(int(summary["vanished_live"]), 0, out)
        self.assertEqual(int(summary["unparsed"]), 0, out)
        # A check at the end of the warm-up, one at each of the 10 samples, one after the drain.
        self.assertGreaterEqual(int(summary["check_scrapes"]), 12, out)
        self.assertGreater(int(summary["series_checked"]), 200, out)
        # Series churned out more than the ttl ago are gone, and counted as expired.
        self.assertGreater(int(summary["expired"]), 100, out)
        self.assertEqual(len(rows["sample"]), 10, out)
        for row in rows["sample"]:
            self.assertEqual(int(row["check_scrapes"]), 1, out)
            self.assertEqual(int(row["resets"]), 0, out)
        with open(csv_file) as f:
            table = list(csv.DictReader(f))
        self.assertEqual(table[-1]["resets"], "0")
        self.assertEqual(table[-1]["series_checked"], summary["series_checked"])
        samples, _, _ = parse_exposition(s.metrics())
        self.assertGreater(samples[("sonde_ingest_series_expired_total", frozenset())], 100)

    def test_series_sent_less_often_than_the_ttl_expire_without_a_reset(self):
        s = self.sonde("ingest:\n  ttl: 1s\n")
        s.wait_ready()
        # 40 series at 20 lines/s: each is sent every 2 s, twice the ttl. No series survives
        # here, so the check may not call a disappearance a problem: it must count it as expired.
        rows, out = self.loadgen(
            "steady", "--unixgram", os.path.join(s.tmp, "dsd.sock"), "--series", "40",
            "--rate", "20", "--duration", "5", "--warmup", "0.5", "--check-seconds", "0.5",
            "--ttl", "1", "--sonde", f"http://{s.address}/metrics")
        summary = rows["summary"][0]
        self.assert_nothing_lost(summary, out)
        self.assertEqual(int(summary["resets"]), 0, out)
        self.assertEqual(int(summary["vanished_live"]), 0, out)
        self.assertGreater(int(summary["expired"]), 0, out)

    def fake_run(self, series):
        target = FakeTarget(self.tmp, series)
        self.addCleanup(target.close)
        r = subprocess.run(
            [LOADGEN, "steady", "--unixgram", target.path, "--series", "10", "--rate", "1000",
             "--duration", "2", "--warmup", "0.2", "--check-seconds", "0.4",
             "--metrics", target.url, "--counter", "fake_lines_total"],
            capture_output=True, text=True, timeout=DEADLINE * 4)
        summary = [fields(l) for l in r.stdout.splitlines() if l.startswith("summary ")]
        self.assertEqual(len(summary), 1, r.stdout + r.stderr)
        self.assertGreaterEqual(int(summary[0]["check_scrapes"]), 5, r.stdout)
        return r, summary[0]

    def test_a_counter_that_goes_down_is_a_reset(self):
        # Ids 0-4 count down from 1000 (a reset at every scrape), 5-9 count up.
        r, summary = self.fake_run(
            lambda n: {i: (1000 - 10 * n if i < 5 else 10 * n) for i in range(10)})
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertEqual(int(summary["resets"]), 5 * (int(summary["check_scrapes"]) - 1),
                         r.stdout)
        self.assertEqual(int(summary["vanished_live"]), 0, r.stdout)
        self.assertRegex(r.stderr, r'loadgen_requests_total\{id="0"\} went from \d+ to \d+: a reset')

    def test_a_live_series_that_vanishes_is_reported(self):
        # Id 9 is served until the first check (the second scrape: the first reads the counter
        # before the senders start) and not after; the run has no ttl, so it cannot expire.
        r, summary = self.fake_run(lambda n: {i: n for i in range(10 if n < 2 else 9)})
        self.assertEqual(r.returncode, 3, r.stdout + r.stderr)
        self.assertEqual(int(summary["resets"]), 0, r.stdout)
        self.assertEqual(int(summary["vanished_live"]), 1, r.stdout)
        self.assertIn('{id="9"} vanished although it cannot have expired', r.stderr)


if __name__ == "__main__":
    unittest.main()
