#!/usr/bin/env python3
"""Remote write: sonde's own sender beside Prometheus 2.42 in agent mode, pushing the same series
to the same receiver (a real Prometheus 2.42 with --web.enable-remote-write-receiver on loopback)
at the same interval (docs/performance.md).

Load: sonde with its default collectors plus SERIES constant textfile series, everything read
every INTERVAL seconds. Phases, one at a time, each measured over SECONDS after a warm-up:
  base   sonde alone, no remote_write: the baseline;
  sonde  sonde with one remote_write entry to the receiver (interval INTERVAL): sonde's added
         CPU (its whole process minus base, and its sender thread "sonde-rw" alone) and resident
         memory (minus base), samples and bytes sent;
  agent  sonde without remote_write, scraped every INTERVAL by `prometheus --enable-feature=agent`
         that remote-writes to the receiver: the agent's CPU and resident memory (the cost of
         pushing with a second agent), plus what its scrapes add to sonde;
  drain  the receiver down for PREFILL seconds while sonde buffers, then up: how fast one sender
         empties its disk buffer into Prometheus (samples/s, sender CPU per 1,000 samples), and
         the buffer's bytes on disk per sample.
CPU from /proc/<pid>/stat (and /proc/<pid>/task/<tid>/stat), memory is VmRSS at the end of the
phase; sent samples and bytes from each sender's own counters (sonde_remote_write_* and the
agent's prometheus_remote_storage_*); the agent's WAL bytes from its directory's growth.

Usage: bench/remote_write_compare.py [SERIES=50000] [INTERVAL=5] [SECONDS=60] [PREFILL=30]
Needs: build/release/daemon/sonde (SONDE_BUILD_DIR), prometheus 2.42 (Debian's package).
"""
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUILD = os.environ.get("SONDE_BUILD_DIR", os.path.join(ROOT, "build", "release"))
SONDE = os.path.join(BUILD, "daemon", "sonde")
TICK = os.sysconf("SC_CLK_TCK")
WARMUP = 15


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(stat_path):
    with open(stat_path) as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return (int(rest[11]) + int(rest[12])) / TICK  # utime, stime


def process_cpu(pid):
    return cpu_seconds(f"/proc/{pid}/stat")


def thread_cpu(pid, name):
    total = 0.0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() == name:
                    total += cpu_seconds(f"/proc/{pid}/task/{tid}/stat")
        except FileNotFoundError:
            pass
    return total


def rss_mib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise SystemExit("no VmRSS")


def metrics(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=30) as r:
        return r.read().decode()


def metric(text, name):
    """The sum of every sample of `name` (all label sets)."""
    total = 0.0
    for m in re.finditer(rf"^{re.escape(name)}(?:{{[^}}]*}})? (\S+)", text, re.M):
        total += float(m.group(1))
    return total


def wait_http(port, path, proc, what):
    end = time.monotonic() + 60
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"{what} exited: {proc.returncode}")
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise SystemExit(f"{what} never answered {path}")


def du(path):
    total = 0
    for d, _, files in os.walk(path):
        for f in files:
            try:
                total += os.path.getsize(os.path.join(d, f))
            except FileNotFoundError:
                pass
    return total


class Bench:
    def __init__(self, series, interval, seconds, prefill):
        self.series, self.interval, self.seconds, self.prefill = series, interval, seconds, prefill
        self.tmp = tempfile.mkdtemp(prefix="rw-bench-")
        self.procs = []
        tdir = os.path.join(self.tmp, "textfile")
        os.makedirs(tdir)
        with open(os.path.join(tdir, "bench.prom"), "w") as f:
            f.write("# TYPE bench_series gauge\n")
            for i in range(series):
                f.write(f'bench_series{{shard="{i % 100}",i="{i}"}} {i}\n')
        self.textfile = tdir

    def spawn(self, cmd, env=None):
        p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL, env=env)
        self.procs.append(p)
        return p

    def stop(self, p):
        if p.poll() is None:
            p.terminate()
            try:
                p.wait(60)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait()

    def receiver(self, port=None):
        port = port or free_port()
        d = tempfile.mkdtemp(prefix="recv-", dir=self.tmp)
        conf = os.path.join(d, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global: {}\n")
        p = self.spawn(["prometheus", f"--config.file={conf}", f"--storage.tsdb.path={d}/data",
                        f"--web.listen-address=127.0.0.1:{port}",
                        "--web.enable-remote-write-receiver"])
        wait_http(port, "/-/ready", p, "the receiver")
        return p, port

    def sonde(self, name, rw_url=None):
        port = free_port()
        d = os.path.join(self.tmp, name)
        os.makedirs(d)
        conf = os.path.join(d, "sonde.yaml")
        iv = f"{self.interval}s"
        with open(conf, "w") as f:
            # The host collectors keep their 5s timer: at INTERVAL=5 (the default) both senders
            # send each series once per interval.
            f.write("collectors:\n"
                    f"  textfile: {{enabled: true, directory: {self.textfile}, interval: {iv}}}\n")
            if rw_url:
                f.write(f"remote_write:\n  - url: {rw_url}\n    name: bench\n    interval: {iv}\n")
        env = dict(os.environ, RUNTIME_DIRECTORY=d, STATE_DIRECTORY=os.path.join(d, "state"))
        p = self.spawn([SONDE, "--config", conf, f"--web.listen-address=127.0.0.1:{port}"], env)
        wait_http(port, "/ready", p, "sonde")
        return p, port, d

    def agent(self, sonde_port, recv_port):
        port = free_port()
        d = tempfile.mkdtemp(prefix="agent-", dir=self.tmp)
        conf = os.path.join(d, "agent.yml")
        iv = f"{self.interval}s"
        with open(conf, "w") as f:
            f.write(f"global: {{scrape_interval: {iv}, scrape_timeout: {iv}}}\n"
                    "scrape_configs:\n  - job_name: sonde\n"
                    f"    static_configs: [{{targets: ['127.0.0.1:{sonde_port}']}}]\n"
                    f"remote_write:\n  - url: http://127.0.0.1:{recv_port}/api/v1/write\n")
        p = self.spawn(["prometheus", "--enable-feature=agent", f"--config.file={conf}",
                        f"--storage.agent.path={d}/wal", f"--web.listen-address=127.0.0.1:{port}"])
        wait_http(port, "/-/ready", p, "the agent")
        return p, port, os.path.join(d, "wal")

    def measure(self, pids, thread=None, counters=None):
        """CPU seconds per pid (and of `thread` in pids[0]) over SECONDS; counters() before and
        after."""
        c0 = counters() if counters else None
        t0 = time.monotonic()
        cpu0 = [process_cpu(p) for p in pids]
        th0 = thread_cpu(pids[0], thread) if thread else 0.0
        time.sleep(self.seconds)
        wall = time.monotonic() - t0
        cpu = [process_cpu(p) - c for p, c in zip(pids, cpu0)]
        th = (thread_cpu(pids[0], thread) - th0) if thread else 0.0
        c1 = counters() if counters else None
        delta = {k: c1[k] - c0[k] for k in c1} if counters else {}
        return wall, cpu, th, delta

    def run(self):
        print(f"# bench/remote_write_compare.py {self.series} {self.interval} {self.seconds} "
              f"{self.prefill}")
        print(f"# start: {uptime()}")
        recv, recv_port = self.receiver()
        url = f"http://127.0.0.1:{recv_port}/api/v1/write"

        p, port, _ = self.sonde("base")
        time.sleep(WARMUP)
        wall, (base_cpu,), _, _ = self.measure([p.pid])
        base_rss = rss_mib(p.pid)
        self.stop(p)

        p, port, d = self.sonde("sonde", url)
        time.sleep(WARMUP)

        def sonde_counters():
            t = metrics(port)
            return {"samples": metric(t, "sonde_remote_write_samples_total"),
                    "bytes": metric(t, "sonde_remote_write_bytes_total")}
        wall_s, (s_cpu,), s_thread, s = self.measure([p.pid], "sonde-rw", sonde_counters)
        s_rss = rss_mib(p.pid)
        s_failed = metric(metrics(port), "sonde_remote_write_samples_failed_total")
        self.stop(p)

        p, port, _ = self.sonde("scraped")
        a, a_port, wal = self.agent(port, recv_port)
        time.sleep(WARMUP)
        wal0 = du(wal)

        def agent_counters():
            t = metrics(a_port)
            return {"samples": metric(t, "prometheus_remote_storage_samples_total"),
                    "bytes": metric(t, "prometheus_remote_storage_bytes_total"),
                    "in": metric(t, "prometheus_remote_storage_samples_in_total"),
                    "wal": du(wal)}
        wall_a, (scraped_cpu, a_cpu), _, ag = self.measure([p.pid, a.pid], None, agent_counters)
        a_rss, scraped_rss = rss_mib(a.pid), rss_mib(p.pid)
        self.stop(a)
        self.stop(p)

        # Drain: the receiver goes, sonde buffers PREFILL seconds, the receiver comes back.
        self.stop(recv)
        p, port, d = self.sonde("drain", url)
        time.sleep(self.prefill)
        t = metrics(port)
        pending0, buf_bytes = (metric(t, "sonde_remote_write_samples_pending"),
                               metric(t, "sonde_remote_write_buffer_bytes"))
        sent0 = metric(t, "sonde_remote_write_samples_total")
        th0 = thread_cpu(p.pid, "sonde-rw")
        recv, recv_port = self.receiver(recv_port)
        t0 = time.monotonic()
        while True:
            t = metrics(port)
            pending = metric(t, "sonde_remote_write_samples_pending")
            if pending <= self.series or time.monotonic() - t0 > 600:
                break
            time.sleep(0.2)
        drain_wall = time.monotonic() - t0
        drain_sent = metric(t, "sonde_remote_write_samples_total") - sent0
        drain_cpu = thread_cpu(p.pid, "sonde-rw") - th0
        drain_failed = metric(t, "sonde_remote_write_samples_failed_total")
        self.stop(p)
        self.stop(recv)

        per_s = lambda n, w: n / w
        print(f"# end: {uptime()}")
        print(f"# load offered: {self.series} textfile series + sonde's host and self series, "
              f"every {self.interval}s")
        print("| | CPU (% of one core) | resident memory | samples/s sent | bytes/sample "
              "on the wire | disk bytes/sample |")
        print("| --- | --- | --- | --- | --- | --- |")
        print(f"| sonde alone (base) | {100 * base_cpu / wall:.2f} % | {base_rss:.1f} MiB | | | |")
        print(f"| sonde + remote_write, whole process | {100 * s_cpu / wall_s:.2f} % | "
              f"{s_rss:.1f} MiB | {per_s(s['samples'], wall_s):.0f} | "
              f"{s['bytes'] / max(s['samples'], 1):.2f} | see drain |")
        print(f"| sonde: added by remote_write (minus base) | {100 * (s_cpu / wall_s - base_cpu / wall):.2f} %"
              f" (sender thread alone {100 * s_thread / wall_s:.2f} %) | "
              f"{s_rss - base_rss:+.1f} MiB | | | |")
        print(f"| Prometheus 2.42 agent | {100 * a_cpu / wall_a:.2f} % | {a_rss:.1f} MiB | "
              f"{per_s(ag['samples'], wall_a):.0f} | {ag['bytes'] / max(ag['samples'], 1):.2f} | "
              f"{ag['wal'] / max(ag['in'], 1):.2f} (WAL) |")
        print(f"| sonde scraped by the agent (minus base) | "
              f"{100 * (scraped_cpu / wall_a - base_cpu / wall):.2f} % | "
              f"{scraped_rss - base_rss:+.1f} MiB | | | |")
        added_cpu = s_cpu / wall_s - base_cpu / wall
        print(f"\nratio CPU, sonde's added / agent's: {added_cpu / (a_cpu / wall_a):.3f} "
              f"(sender thread / agent: {(s_thread / wall_s) / (a_cpu / wall_a):.3f}); "
              f"ratio memory, sonde's added / agent's RSS: {(s_rss - base_rss) / a_rss:.3f}")
        print(f"sonde CPU per 1,000 samples sent (steady, sender thread): "
              f"{1e6 * s_thread / max(s['samples'], 1):.2f} ms; added CPU of the whole process: "
              f"{1e6 * added_cpu * wall_s / max(s['samples'], 1):.2f} ms")
        print(f"agent CPU per 1,000 samples sent (whole process, scrapes included): "
              f"{1e6 * a_cpu / max(ag['samples'], 1):.2f} ms")
        print(f"drain: {pending0:.0f} samples buffered in {self.prefill}s, {buf_bytes:.0f} bytes of "
              f"segments: {buf_bytes / max(pending0, 1):.2f} disk bytes/sample; "
              f"{drain_sent:.0f} samples sent in {drain_wall:.1f}s = "
              f"{drain_sent / drain_wall:.0f} samples/s, sender CPU {drain_cpu:.2f}s = "
              f"{1e6 * drain_cpu / max(drain_sent, 1):.2f} ms per 1,000 samples")
        print(f"failed samples (must be 0): steady {s_failed:.0f}, drain {drain_failed:.0f}")

    def cleanup(self):
        for p in self.procs:
            self.stop(p)
        shutil.rmtree(self.tmp, ignore_errors=True)


def main():
    if shutil.which("prometheus") is None:
        raise SystemExit("prometheus not found: run tools/install-deps.sh")
    args = [int(a) for a in sys.argv[1:]]
    b = Bench(*(args + [50000, 5, 60, 30][len(args):]))
    try:
        b.run()
    finally:
        b.cleanup()


if __name__ == "__main__":
    main()
