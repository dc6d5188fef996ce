"""Memory stays bounded whatever clients send: 1,000,000 distinct tag values for one metric.
Exactly the excess over max_series_per_metric is counted as cardinality_limit, and (in a build
without sanitizers) resident memory grows by at most 256 bytes per admitted series plus 8 MB."""
import os
import socket
import time
import unittest

from harness import SondeTestCase, parse_exposition, rss_bytes, sanitized

LINES = 1_000_000
ADMITTED = 10_000  # the default ingest.max_series_per_metric
# Sending and counting a million lines takes seconds; this only catches a hang.
DEADLINE = 240.0


class IngestMemory(SondeTestCase):
    def counts(self, s):
        samples, _, _ = parse_exposition(s.metrics())
        lines = sum(v for (n, l), v in samples.items() if n == "sonde_ingest_lines_total")
        return samples, lines

    def wait_lines(self, s, total):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            samples, lines = self.counts(s)
            if lines >= total:
                return samples
            time.sleep(0.2)
        raise AssertionError(f"fewer than {total} lines counted:\n" + s.log()[-2000:])

    def test_million_distinct_tags(self):
        s = self.sonde()
        s.wait_ready()
        path = os.path.join(s.tmp, "dsd.sock")
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.sendto(b"warmup:1|c", path)
        self.wait_lines(s, 1)
        self.counts(s)  # a scrape's buffers exist before the baseline too
        before = rss_bytes(s.proc.pid)

        batch = []
        size = 0
        for i in range(LINES):
            line = b"mem.test:1|c|#id:%d" % i
            if size + len(line) + 1 > 8192:
                c.sendto(b"\n".join(batch), path)
                batch, size = [], 0
            batch.append(line)
            size += len(line) + 1
        if batch:
            c.sendto(b"\n".join(batch), path)

        samples = self.wait_lines(s, LINES + 1)
        after = rss_bytes(s.proc.pid)
        self.assertEqual(samples[("sonde_ingest_dropped_total",
                                  frozenset({("reason", "cardinality_limit")}))], LINES - ADMITTED)
        self.assertEqual(samples[("sonde_ingest_lines_total",
                                  frozenset({("listener", "unixgram"), ("result", "accepted")}))],
                         ADMITTED + 1)
        admitted = sum(1 for (n, l) in samples if n == "mem_test_total")
        self.assertEqual(admitted, ADMITTED)
        growth = after - before
        print(f"\nRSS before {before} after {after} growth {growth} bytes "
              f"({growth / ADMITTED:.0f} B per admitted series)")
        if not sanitized(s.proc.pid):
            self.assertLessEqual(growth, 256 * ADMITTED + 8 * 1024 * 1024)


if __name__ == "__main__":
    unittest.main()
