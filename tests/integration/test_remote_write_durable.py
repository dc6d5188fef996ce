"""Remote write's disk buffer with the real daemon and the recording receiver (rw_receiver.py):
a receiver outage of SONDE_RW_LONG_OUTAGE seconds (default 180, the issue's 3 minutes) with
sonde killed with -9 halfway through and restarted: every sample arrives, none twice, the ones
buffered before the kill too; a buffer smaller than the outage: the oldest dropped, counted
exactly, the newest arriving; two sondes on one buffer directory: the second refuses it."""
import os
import re
import shutil
import tempfile
import time
import unittest

from harness import DEADLINE, parse_exposition
from rw_harness import RemoteWriteCase, accepted_samples

OUTAGE = float(os.environ.get("SONDE_RW_LONG_OUTAGE", "180"))
SENT = "sonde_remote_write_samples_total"
REPLAY = re.compile(r"remote_write rec: (\d+) batches \((\d+) samples\) in \S+ to send first")


def timestamps(requests, name):
    """The sorted timestamps of `name`'s accepted samples."""
    samples, _ = accepted_samples(requests)
    return sorted(t for (k, t) in samples if dict(k)["__name__"] == name)


def gaps(ts, longer_than):
    """(before, after) of every gap between consecutive timestamps longer than `longer_than` ms."""
    return [(a, b) for a, b in zip(ts, ts[1:]) if b - a > longer_than]


class Durable(RemoteWriteCase):
    def counters(self, s):
        """The entry's counters from one /metrics, read until two reads agree (no cut between)."""
        def read():
            samples, _, _ = parse_exposition(s.metrics())

            def m(name, **labels):
                return sum(v for (n, ls), v in samples.items() if n == name and all(
                    dict(ls).get(k) == want for k, want in dict(labels, remote_name="rec").items()))
            return {
                "in": m("sonde_remote_write_samples_in_total"),
                "sent": m(SENT),
                "failed": m("sonde_remote_write_samples_failed_total"),
                "pending": m("sonde_remote_write_samples_pending"),
                "buffer_full": m("sonde_remote_write_samples_dropped_total", reason="buffer_full"),
                "dropped": m("sonde_remote_write_samples_dropped_total"),
            }
        last = read()
        while True:
            now = read()
            if now == last:
                return now
            last = now

    def freeze(self, s, rec):
        """The receiver answers 503 from now on; returns once sonde has had one, so every 200
        before it is counted by sonde (one sender, one request at a time)."""
        retried = self.metric(s, "sonde_remote_write_samples_retried_total", remote_name="rec")
        rec.refuse()
        self.wait_for(s, "a refused batch", lambda: self.metric(
            s, "sonde_remote_write_samples_retried_total", remote_name="rec") > retried)

    def assert_in_order(self, requests):
        """Per series, accepted timestamps grow from request to request, as Prometheus needs."""
        last = {}
        for r in requests:
            if r["status"] != 200:
                continue
            for x in r["series"]:
                key = tuple(map(tuple, x["labels"]))
                for ts, _, _ in x["samples"]:
                    self.assertGreater(ts, last.get(key, 0), key)
                    last[key] = ts

    def restart_after_kill(self, s):
        """SIGKILL, then the same command line on the same port and state directory."""
        _, port = s.host_port()
        s.proc.kill()
        s.proc.wait()
        s._reader.join(DEADLINE)
        s.proc.stdout.close()
        s._listening.clear()
        i = s.args.index("--web.listen-address")
        s.args[i + 1] = f"127.0.0.1:{port}"  # same port: same instance label, as in production
        s.start()
        s.wait_ready()

    def test_outage_of_3_minutes_with_a_kill_9_loses_nothing(self):
        rec = self.receiver()
        s = self.start(rec.url(), textfile='app_up{team="a"} 1\n')
        rec.wait("a first batch", lambda rs: any(r["status"] == 200 and r["series"] for r in rs))
        outage_start = time.monotonic()
        self.freeze(s, rec)  # then nothing is both recorded and unacknowledged when it goes
        sent_before = self.metric(s, SENT, remote_name="rec")
        port = rec.port
        rec.stop()
        time.sleep(OUTAGE / 2)
        self.assertEqual(self.metric(s, SENT, remote_name="rec"), sent_before)
        self.assertGreater(self.metric(s, "sonde_remote_write_buffer_bytes"), 0)
        killed_ms = time.time() * 1000
        self.restart_after_kill(s)
        restarted_ms = time.time() * 1000
        m = self.wait_for(s, "the buffer replayed", lambda: REPLAY.search(s.log()))
        replayed = int(m.group(2))
        self.assertGreater(replayed, 0)
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - outage_start)))
        rec2 = self.receiver(port=port)
        self.wait_for(s, "the backlog sent", lambda: self.metric(s, SENT, remote_name="rec")
                      >= replayed and self.metric(s, "sonde_remote_write_samples_pending") == 0,
                      deadline=DEADLINE + OUTAGE)
        self.freeze(s, rec2)
        c = self.counters(s)
        s.stop()
        requests = rec.got() + rec2.got()
        self.assertTrue(all("error" not in r for r in requests))
        samples, dupes = accepted_samples(requests)
        self.assertEqual(dupes, [])
        # Every sample acknowledged is the receiver's once; the restarted sonde sent what the
        # killed one had buffered and everything it cut itself.
        self.assertEqual(len(samples), sent_before + c["sent"])
        self.assertEqual((c["failed"], c["dropped"]), (0, 0))
        self.assertEqual(c["sent"] + c["pending"], replayed + c["in"])
        self.assert_in_order(requests)
        # node_time_seconds (cut every second) and app_up (read every second) have no gap but the
        # restart's (none when the restart took less than a cut): what was cut up to the last
        # second before the kill arrived.
        for name in ("node_time_seconds", "app_up"):
            ts = timestamps(requests, name)
            holes = gaps(ts, 2500)
            self.assertLessEqual(len(holes), 1, (name, holes, killed_ms, restarted_ms))
            for before, after in holes:
                self.assertGreaterEqual(before, killed_ms - 2000, name)
                self.assertLessEqual(after, restarted_ms + 2500, name)
            self.assertTrue(any(killed_ms - 2000 <= t < killed_ms for t in ts), name)
            self.assertGreater(ts[-1] - ts[0], OUTAGE * 1000, name)

    def test_a_buffer_smaller_than_the_outage_drops_the_oldest_counted_exactly(self):
        rec = self.receiver()
        series = "".join(f'app_shard{{shard="{i}"}} {i}\n' for i in range(3000))
        s = self.start(rec.url(), textfile=series, buffer="    buffer: {max_bytes: 1048576}\n")
        rec.wait("a first batch", lambda rs: any(r["status"] == 200 and r["series"] for r in rs))
        self.freeze(s, rec)
        port = rec.port
        rec.stop()
        outage_ms = time.time() * 1000
        # Five cuts' worth dropped: a hole of seconds in every series.
        self.wait_for(s, "segments dropped for max_bytes", lambda: self.metric(
            s, "sonde_remote_write_samples_dropped_total", reason="buffer_full") > 5 * 3000,
            deadline=DEADLINE * 4)
        back_ms = time.time() * 1000
        rec2 = self.receiver(port=port)
        self.wait_for(s, "the backlog sent", lambda: self.metric(s, SENT, remote_name="rec") > 0
                      and self.metric(s, "sonde_remote_write_samples_pending") == 0,
                      deadline=DEADLINE * 2)
        self.freeze(s, rec2)
        c = self.counters(s)
        self.assertIn("the buffer is full (buffer.max_bytes 1048576)", s.log())
        s.stop()
        requests = rec.got() + rec2.got()
        samples, dupes = accepted_samples(requests)
        self.assertEqual(dupes, [])
        self.assertEqual(len(samples), c["sent"])
        self.assertGreater(c["buffer_full"], 3000)
        self.assertEqual((c["failed"], c["dropped"]), (0, c["buffer_full"]))
        # Exactly: each sample cut was acknowledged, dropped with its segment, or still waits.
        self.assertEqual(c["in"], c["sent"] + c["buffer_full"] + c["pending"])
        self.assert_in_order(requests)
        # The oldest went: at most one hole per series (where a dropped segment held its
        # samples), inside the outage, and the newest data arrived: from before the receiver came
        # back, to the end.
        for name in ("node_time_seconds", "app_shard"):
            ts = timestamps(requests, name)
            holes = gaps(ts, 2500)
            self.assertLessEqual(len(holes), 1, (name, holes, outage_ms, back_ms))
            for before, after in holes:
                self.assertGreaterEqual(before, outage_ms - 2500, name)
                self.assertLess(after, back_ms, name)
            self.assertTrue(any(back_ms - 2500 <= t < back_ms for t in ts), name)
            self.assertGreater(ts[-1], back_ms, name)

    def test_two_sondes_cannot_share_a_buffer_directory(self):
        rec = self.receiver()
        shared = tempfile.mkdtemp(prefix="rw-shared-")
        self.addCleanup(shutil.rmtree, shared, True)
        buf = f"    buffer: {{directory: {shared}}}\n"
        a = self.start(rec.url(), buffer=buf)
        rec.wait("a first batch", lambda rs: any(r["status"] == 200 and r["series"] for r in rs))
        b = self.start(rec.url(), buffer=buf)
        self.wait_for(b, "refusals counted", lambda: self.metric(
            b, "sonde_remote_write_buffer_lock_refusals_total", remote_name="rec") >= 2)
        self.assertIn(f"remote_write rec: the buffer directory {shared} is in use by another "
                      f"process (pid {a.proc.pid}, holding its lock file)", b.log())
        self.assertEqual(b.log().count("is in use by another process"), 1)  # logged once
        sent = self.metric(a, SENT)
        self.wait_for(a, "the first carrying on", lambda: self.metric(a, SENT) > sent)
        self.assertEqual(self.metric(b, "sonde_remote_write_samples_in_total"), 0)
        self.assertEqual(self.metric(b, SENT), 0)
        a.stop()  # lets the directory go: the second takes it over, and sends
        self.wait_for(b, "the takeover", lambda: "is this process's now: sending" in b.log())
        self.wait_for(b, "the second sending", lambda: self.metric(b, SENT) > 0)
        _, dupes = accepted_samples(rec.got())
        self.assertEqual(dupes, [])


if __name__ == "__main__":
    unittest.main()
