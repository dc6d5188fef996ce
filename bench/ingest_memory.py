#!/usr/bin/env python3
"""Issue 17, target 5: resident memory per live counter series, and during concurrent scrapes.

Starts the release sonde (collectors off; ingest.max_series_per_metric raised so that one metric
may hold them all), scrapes it once and reads its RSS (the empty aggregator), then sends SERIES
distinct counter series with `sonde-loadgen steady` (one `id` tag each) and checks that sonde
holds exactly SERIES, scrapes once and reads RSS again: (RSS after - RSS empty) / SERIES is the
figure (target: <= 200 bytes). Then CONCURRENT clients scrape at once, ROUNDS times, while RSS
is sampled every 2 ms: the peak over the RSS before them, beside the body's size (the target:
no more than one rendered copy of the body per connection in flight). `uptime` before and after.

Usage: bench/ingest_memory.py [SERIES=100000] [CONCURRENT=8] [ROUNDS=3]
"""
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_compare import LOADGEN, SONDE, fields, sonde_config, start, uptime, wait_ready  # noqa: E402


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    raise KeyError(key)


def rss_split(pid):
    """VmRSS's parts: anonymous memory (the heap, stacks) and file-backed pages (code)."""
    return {k: status_kb(pid, k) for k in ("RssAnon", "RssFile", "RssShmem")}


def scrape(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        return len(r.read())


def series_held(url):
    with urllib.request.urlopen(url, timeout=120) as r:
        m = re.search(rb"^sonde_ingest_series (\S+)$", r.read(), re.M)
    return int(float(m.group(1)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    concurrent = int(sys.argv[2]) if len(sys.argv) > 2 else 8
    rounds = int(sys.argv[3]) if len(sys.argv) > 3 else 3
    print("start:", uptime(), flush=True)
    tmp = tempfile.mkdtemp(prefix="ingest-mem-")
    env = dict(os.environ, RUNTIME_DIRECTORY=tmp, STATE_DIRECTORY=os.path.join(tmp, "state"))
    config = sonde_config(tmp)
    with open(config, "a") as f:
        f.write(f"ingest:\n  max_series: {n * 2}\n  max_series_per_metric: {n * 2}\n")
    sonde, address = start([SONDE, "--config", config, "--web.listen-address", "127.0.0.1:0",
                            "--log.level", "info"], env, r"listening on ([^\s\"]+)")
    url = f"http://{address}/metrics"
    try:
        wait_ready(f"http://{address}/ready")
        scrape(url)
        time.sleep(1)
        empty = status_kb(sonde.pid, "VmRSS")
        empty_split = rss_split(sonde.pid)
        r = subprocess.run([LOADGEN, "steady", "--unixgram", os.path.join(tmp, "dsd.sock"),
                            "--series", str(n), "--tags", "1", "--rate", str(2 * n),
                            "--duration", "2", "--warmup", "0", "--sonde", url],
                           capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(r.stdout + r.stderr)
        summary = [fields(l) for l in r.stdout.splitlines() if l.startswith("summary")][0]
        time.sleep(1)
        unscraped = rss_split(sonde.pid)
        held = series_held(url)  # this is the scrape after the series were admitted
        time.sleep(1)
        after = status_kb(sonde.pid, "VmRSS")
        after_split = rss_split(sonde.pid)
        body = scrape(url)
        time.sleep(1)
        after2 = status_kb(sonde.pid, "VmRSS")
        print(f"series held {held} (sent {summary['sent']} lines, accepted {summary['accepted']})")
        print(f"RSS empty aggregator after a scrape: {empty} kB; with {n} series after a scrape: "
              f"{after} kB, after another: {after2} kB")
        print(f"bytes per series: {(after - empty) * 1024 / n:.0f} "
              f"(after the second scrape {(after2 - empty) * 1024 / n:.0f}); body {body} bytes")
        print("before that scrape (after sonde-loadgen's reads of its counters, scrapes too): "
              + ", ".join(f"{k} {v} kB" for k, v in unscraped.items()))
        print("of which: " + ", ".join(
            f"{k} {empty_split[k]} -> {after_split[k]} kB ({(after_split[k] - empty_split[k]) * 1024 / n:.0f} B/series)"
            for k in empty_split))

        peak, stop = [0], threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], status_kb(sonde.pid, "VmRSS"))
                time.sleep(0.002)

        sampler = threading.Thread(target=sample)
        sampler.start()
        before = status_kb(sonde.pid, "VmRSS")
        for _ in range(rounds):
            threads = [threading.Thread(target=scrape, args=(url,)) for _ in range(concurrent)]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
        stop.set()
        sampler.join()
        end = status_kb(sonde.pid, "VmRSS")
        print(f"{concurrent} concurrent scrapes x {rounds}: RSS before {before} kB, peak {peak[0]} kB"
              f" (+{peak[0] - before} kB = {(peak[0] - before) * 1024 / body:.2f} bodies; "
              f"{concurrent} bodies = {concurrent * body // 1024} kB), after {end} kB, "
              f"VmHWM {status_kb(sonde.pid, 'VmHWM')} kB")
        print("end:", uptime())
    finally:
        sonde.send_signal(signal.SIGTERM)
        sonde.wait(30)


if __name__ == "__main__":
    main()
