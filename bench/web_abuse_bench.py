#!/usr/bin/env python3
"""Scrape latency of sonde over TLS + basic auth while other clients misbehave (issue 18; the
abuses of tests/integration/test_web_abuse.py, run by its abuse.py, each its own process):

  none    nothing else
  slow    300 connections from 127.0.0.2 that never handshake or trickle a byte a second
  flood   1,000 wrong passwords a second from 127.0.0.2-9, 16 connections each (the users
          file rewritten half-way, so the scraper's credentials are checked by bcrypt again
          while the flood keeps web.auth_max_pending checks queued)
  stall   64 connections from 127.0.0.2-5 that request /metrics and never read it

In each phase one scraper on 127.0.0.1 (a kept-alive TLS connection, Prometheus's Accept and
Accept-Encoding: gzip) scrapes every 0.2 s for SECONDS; a scrape's latency is from sending the
request to reading the last body byte. Prints median, p99 and max per phase, sonde's RSS
before and at the end of each phase, and the failed scrapes.

Usage: bench/web_abuse_bench.py [SECONDS=15] [SERIES=60000]
Needs: build/release/daemon/sonde, openssl, Python's crypt module.
"""
import base64
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("SONDE_BIN", os.path.join(ROOT, "build", "release", "daemon", "sonde"))

from harness import Sonde, rss_bytes as rss  # noqa: E402
from test_web_abuse import write_prom  # noqa: E402
from webtls import bcrypt_hash, make_ca, make_cert  # noqa: E402

ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
          "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
PASSWORD = "scraper password"
ABUSE = os.path.join(ROOT, "tests", "integration", "abuse.py")


class Scraper:
    def __init__(self, port, ca):
        self.port, self.ctx = port, ssl.create_default_context(cafile=ca)
        token = base64.b64encode(f"prometheus:{PASSWORD}".encode()).decode()
        self.request = (f"GET /metrics HTTP/1.1\r\nHost: localhost\r\nAccept: {ACCEPT}\r\n"
                        f"Accept-Encoding: gzip\r\nAuthorization: Basic {token}\r\n\r\n").encode()
        self.sock = None

    def scrape(self):
        """Seconds for one scrape, or None if it failed."""
        try:
            if self.sock is None:
                raw = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                self.sock = self.ctx.wrap_socket(raw, server_hostname="localhost")
                self.f = self.sock.makefile("rb")
            t0 = time.perf_counter()
            self.sock.sendall(self.request)
            status = int(self.f.readline().split()[1])
            length = 0
            while True:
                h = self.f.readline()
                if h in (b"\r\n", b""):
                    break
                if h.lower().startswith(b"content-length:"):
                    length = int(h.split(b":")[1])
            self.f.read(length)
            took = time.perf_counter() - t0
            return took if status == 200 else None
        except (OSError, ValueError, IndexError):
            if self.sock:
                self.sock.close()
            self.sock = None
            return None


def main():
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 15
    series = int(sys.argv[2]) if len(sys.argv) > 2 else 60_000
    d = tempfile.mkdtemp(prefix="sonde-abuse-bench-")
    procs = []
    try:
        make_ca(d)
        make_cert(d, "server")
        ca = os.path.join(d, "ca.pem")
        web = os.path.join(d, "web.yml")

        def write_users():
            with open(web + ".tmp", "w") as f:
                f.write("tls_server_config:\n  cert_file: server.pem\n  key_file: server_key.pem\n"
                        f"basic_auth_users:\n  prometheus: '{bcrypt_hash(PASSWORD)}'\n")
            os.rename(web + ".tmp", web)
        write_users()
        textfile = os.path.join(d, "textfile")
        os.mkdir(textfile)
        write_prom(textfile, series)
        sonde = Sonde(config=f"collectors:\n  textfile:\n    directory: {textfile}\n",
                      args=["--web.config.file", web])
        sonde.start()
        _, port = sonde.host_port()
        scraper = Scraper(port, ca)
        end = time.monotonic() + 30
        while scraper.scrape() is None and time.monotonic() < end:  # until it answers
            time.sleep(0.2)
        time.sleep(6)  # every collector (the textfile one too) has published
        load = open("/proc/loadavg").read().split()[:3]
        print(f"# {time.strftime('%H:%M UTC %Y-%m-%d', time.gmtime())}, load {' '.join(load)}, "
              f"{series} textfile series, {seconds:.0f} s a phase, a scrape every 0.2 s")
        print(f"{'abuse':<8} {'scrapes':>7} {'failed':>6} {'median':>10} {'p99':>10} "
              f"{'max':>10} {'RSS before':>11} {'RSS end':>9}")
        for phase in ("none", "slow", "flood", "stall"):
            cmd = {
                "none": None,
                "slow": ["slow", port, "127.0.0.2", 300],
                "flood": ["flood", port, ",".join(f"127.0.0.{i}" for i in range(2, 10)), 1000,
                          seconds, ca, "prometheus"],
                "stall": ["stall", port, "127.0.0.2,127.0.0.3,127.0.0.4,127.0.0.5", 64, ca,
                          "prometheus", PASSWORD, "/metrics"],
            }[phase]
            before = rss(sonde.proc.pid)
            abuse = None
            if cmd:
                abuse = subprocess.Popen([sys.executable, ABUSE] + [str(c) for c in cmd],
                                         stdout=subprocess.PIPE, text=True)
                procs.append(abuse)
                if phase == "stall":
                    abuse.stdout.readline()
            times, failed = [], 0
            start = time.monotonic()
            rewritten = False
            while time.monotonic() - start < seconds:
                t = scraper.scrape()
                if t is None:
                    failed += 1
                else:
                    times.append(t)
                if phase == "flood" and not rewritten and time.monotonic() - start > seconds / 2:
                    write_users()
                    rewritten = True
                time.sleep(0.2)
            end_rss = rss(sonde.proc.pid)
            if abuse:
                abuse.terminate()
                abuse.wait()
            times.sort()
            p99 = times[min(len(times) - 1, int(len(times) * 0.99))] if times else float("nan")
            print(f"{phase:<8} {len(times) + failed:>7} {failed:>6} "
                  f"{statistics.median(times) * 1e3:>8.2f}ms {p99 * 1e3:>8.2f}ms "
                  f"{times[-1] * 1e3:>8.2f}ms {before / 2**20:>8.1f}MiB {end_rss / 2**20:>6.1f}MiB",
                  flush=True)
            time.sleep(5)
        load = open("/proc/loadavg").read().split()[:3]
        print(f"# load at the end {' '.join(load)}")
        sonde.stop()
        sonde.cleanup()
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
