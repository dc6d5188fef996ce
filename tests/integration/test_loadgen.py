"""sonde-loadgen (docs/loadgen.md) against the real daemon: over unixgram with blocking sends
nothing may be lost, so the lines sonde counts as accepted (read back by the generator from
sonde's own /metrics) equal the lines sent, exactly; the same over unixstream with
length-prefixed framing, and against the bare counting receiver (`sonde-loadgen sink`) through
the generic counter source. The rates are whatever the machine gives: no figure is asserted."""
import csv
import os
import re
import shutil
import subprocess
import tempfile
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


if __name__ == "__main__":
    unittest.main()
