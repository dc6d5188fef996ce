"""Remote write against a recording receiver (rw_receiver.py: Debian's python3-protobuf and
python3-snappy decode every request): headers, label order, no empty labels, staleness markers,
per-series timestamp order, nothing twice; a 400 dropped and counted, a 429 waited for; an outage
(SONDE_RW_OUTAGE seconds, default 5) with every sample arriving once; TLS with basic auth, and a
wrong CA failing clearly and counted."""
import os
import signal
import tempfile
import time
import unittest

from harness import DEADLINE
from rw_harness import RemoteWriteCase, accepted_samples
from webtls import make_ca, make_cert

OUTAGE = float(os.environ.get("SONDE_RW_OUTAGE", "5"))


class RemoteWrite(RemoteWriteCase):
    def test_headers_labels_order_staleness_metadata(self):
        rec = self.receiver()
        s = self.start(rec.url(), textfile='app_up{team="a"} 1\napp_up{team="b",empty=""} 2\n')
        rec.wait("both textfile series",
                 lambda rs: sum(1 for r in rs for x in r["series"]
                                if dict(map(tuple, x["labels"])).get("__name__") == "app_up") >= 2)
        with open(self.prom_file, "w") as f:  # team="b" disappears
            f.write('app_up{team="a"} 1\n')
        def stale_b(rs):
            for r in rs:
                for x in r["series"]:
                    d = dict(map(tuple, x["labels"]))
                    if d.get("__name__") == "app_up" and d.get("team") == "b":
                        if any(st for _, _, st in x["samples"]):
                            return True
            return False
        rec.wait("a staleness marker for team=b", stale_b)
        rec.wait("metadata", lambda rs: any(r["metadata"] for r in rs))
        rs = rec.got()
        s.stop()
        for r in rs:
            h = {k.lower(): v for k, v in r["headers"].items()}
            self.assertEqual(h["content-encoding"], "snappy")
            self.assertEqual(h["content-type"], "application/x-protobuf")
            self.assertEqual(h["x-prometheus-remote-write-version"], "0.1.0")
            self.assertRegex(h["user-agent"], r"^sonde/\d+\.\d+\.\d+$")
            self.assertNotIn("error", r)
        last = {}
        for r in rs:
            for x in r["series"]:
                names = [l[0] for l in x["labels"]]
                self.assertEqual(names, sorted(names))
                self.assertTrue(all(l[1] for l in x["labels"]), x["labels"])
                d = dict(map(tuple, x["labels"]))
                self.assertEqual(d["job"], "sonde")
                self.assertRegex(d["instance"], r":\d+$")
                key = tuple(map(tuple, x["labels"]))
                for ts, _, _ in x["samples"]:
                    self.assertGreater(ts, last.get(key, 0), key)
                    last[key] = ts
        _, dupes = accepted_samples(rs)
        self.assertEqual(dupes, [])
        meta = {m[1]: m for r in rs for m in r["metadata"]}
        self.assertEqual(meta["node_load1"][0], 2)  # GAUGE
        self.assertEqual(meta["app_up"][0], 0)  # untyped: UNKNOWN

    def test_400_dropped_and_counted_429_waited(self):
        rec = self.receiver(script="400,429:2")
        s = self.start(rec.url(), queue=", retry_on_http_429: true")
        with_series = lambda rs: [r for r in rs if r["series"]]  # not the metadata requests
        rs = rec.wait("three requests", lambda rs: with_series(rs) if len(with_series(rs)) >= 3
                      else None)
        self.assertEqual([r["status"] for r in rs[:3]], [400, 429, 200])
        failed = self.wait_for(s, "failed samples counted", lambda: self.metric(
            s, "sonde_remote_write_samples_failed_total", remote_name="rec"))
        self.assertEqual(failed, sum(len(x["samples"]) for x in rs[0]["series"]))
        self.assertGreaterEqual(rs[2]["t"] - rs[1]["t"], 1.9)  # Retry-After: 2
        self.assertIn("server returned HTTP status 400", s.log())

    def test_outage_every_sample_once(self):
        rec = self.receiver()
        s = self.start(rec.url(), textfile='app_up{team="a"} 1\n')
        rec.wait("a first batch", lambda rs: any(r["status"] == 200 for r in rs))
        port = rec.port
        rec.stop()
        time.sleep(OUTAGE)
        self.wait_for(s, "network failures counted", lambda: self.metric(
            s, "sonde_remote_write_request_failures_total", reason="network"))
        rec2 = self.receiver(port=port)
        before = rec.got()
        def caught_up(rs):
            sent = self.metric(s, "sonde_remote_write_samples_pending")
            return sent == 0 and len(rs) > 2
        rec2.wait("the backlog", caught_up, deadline=DEADLINE + OUTAGE)
        time.sleep(1.5)
        self.assertEqual(self.metric(s, "sonde_remote_write_samples_dropped_total"), 0)
        s.stop()
        samples, dupes = accepted_samples(before + rec2.got())
        self.assertEqual(dupes, [])
        # node_time_seconds is cut every interval: its timestamps leave no gap across the outage.
        ts = sorted(t for (k, t) in samples if dict(k)["__name__"] == "node_time_seconds")
        gaps = [b - a for a, b in zip(ts, ts[1:])]
        self.assertGreater(len(ts), OUTAGE)
        self.assertLess(max(gaps), 2500, gaps)

    def test_reload_keeps_an_unchanged_entry_and_stops_a_removed_one(self):
        rec = self.receiver()
        s = self.start(rec.url(), textfile='app_up{team="a"} 1\n')
        rec.wait("a first batch", lambda rs: any(r["status"] == 200 for r in rs))
        sent = self.metric(s, "sonde_remote_write_samples_total", remote_name="rec")
        s.proc.send_signal(signal.SIGHUP)  # the same configuration: the queue carries on
        self.wait_for(s, "the reload", lambda: "reload" in s.log().lower())
        self.wait_for(s, "more samples, counted on", lambda: self.metric(
            s, "sonde_remote_write_samples_total", remote_name="rec") > sent)
        self.assertEqual(s.log().count("remote_write rec: sending to"), 1)
        with open(os.path.join(s.tmp, "sonde.yaml"), "w") as f:
            f.write("")
        s.proc.send_signal(signal.SIGHUP)
        self.wait_for(s, "the entry gone", lambda: self.metric(
            s, "sonde_remote_write_samples_total") == 0)
        n = len(rec.got())
        time.sleep(2.5)
        self.assertEqual(len(rec.got()), n)
        _, dupes = accepted_samples(rec.got())
        self.assertEqual(dupes, [])

    def test_tls_basic_auth_and_wrong_ca(self):
        d = tempfile.mkdtemp(prefix="rw-tls-")
        make_ca(d)
        make_ca(d, "other")
        make_cert(d, "server")
        with open(os.path.join(d, "pw"), "w") as f:
            f.write("s3cret\n")
        rec = self.receiver(tls=(os.path.join(d, "server.pem"), os.path.join(d, "server_key.pem")),
                            basic_auth="sonde:s3cret")
        extra = (f"    basic_auth: {{username: sonde, password_file: {d}/pw}}\n"
                 f"    tls_config: {{ca_file: {d}/ca.pem}}\n"
                 f"  - url: https://localhost:{rec.port}/other\n"
                 f"    name: wrongca\n"
                 f"    interval: 1s\n"
                 f"    tls_config: {{ca_file: {d}/other.pem}}\n")
        s = self.start(rec.url("https"), extra=extra)
        rec.wait("an authenticated request", lambda rs: any(r["status"] == 200 for r in rs))
        self.wait_for(s, "TLS failures counted", lambda: self.metric(
            s, "sonde_remote_write_request_failures_total", remote_name="wrongca", reason="tls"))
        self.assertRegex(s.log(), r"remote_write wrongca: https://localhost:\d+/other: TLS "
                                  r"handshake: certificate verify failed")
        self.assertTrue(all(r["status"] == 200 for r in rec.got()))


if __name__ == "__main__":
    unittest.main()
