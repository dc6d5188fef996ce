#!/usr/bin/env python3
"""PromQL evaluation, sonde beside a real Prometheus 2.42 on the same data (docs/performance.md).

1. bench/promql_data.py writes 20 minutes of 15 s samples (10,000 node_cpu_seconds_total series,
   an x histogram, node_uname_info) as OpenMetrics;
2. `promtool tsdb create-blocks-from openmetrics` turns it into Prometheus blocks;
3. Prometheus 2.42 (GOMAXPROCS=1, ephemeral port, the blocks as its storage, no scrape targets)
   answers each query as an instant query at the data's end, through /api/v1/query with
   stats=all: the median of RUNS runs of its evalTotalTime;
4. promql_bench loads the same OpenMetrics file into sonde's MemoryStorage and times selection +
   evaluation of the same queries (the median of RUNS runs).
Usage: promql_compare.py PROMQL_BENCH [RUNS]
"""
import json
import os
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
# Not on a 2-hour block boundary, so the data lands in one block.
END = 1764003600

QUERIES = [
    "sum by (mode) (rate(node_cpu_seconds_total[5m]))",
    "histogram_quantile(0.95, sum by (le) (rate(x_bucket[5m])))",
    'topk(10, sum by (instance) (rate(node_cpu_seconds_total{mode!="idle"}[5m])))',
    "rate(node_cpu_seconds_total[5m]) * on (instance) group_left (nodename) node_uname_info",
    "max_over_time(sum by (mode) (rate(node_cpu_seconds_total[5m]))[10m:1m])",
]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get_json(url, timeout=60):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return json.load(r)


def prometheus_times(tmp, runs):
    blocks = os.path.join(tmp, "blocks")
    subprocess.run(["promtool", "tsdb", "create-blocks-from", "openmetrics",
                    os.path.join(tmp, "data.om"), blocks], check=True, stdout=subprocess.DEVNULL)
    config = os.path.join(tmp, "prometheus.yml")
    with open(config, "w") as f:
        f.write("global:\n  evaluation_interval: 1m\n")
    port = free_port()
    log = open(os.path.join(tmp, "prometheus.log"), "w")
    proc = subprocess.Popen(
        ["prometheus", f"--config.file={config}", f"--storage.tsdb.path={blocks}",
         f"--web.listen-address=127.0.0.1:{port}", "--storage.tsdb.retention.time=100y"],
        env=dict(os.environ, GOMAXPROCS="1"), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(base + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("prometheus did not become ready; see " + log.name)
            time.sleep(0.2)
        out = {}
        for q in QUERIES:
            url = base + "/api/v1/query?" + urllib.parse.urlencode(
                {"query": q, "time": str(END), "stats": "all"})
            times = []
            series = None
            for i in range(runs + 3):  # 3 warm-up runs
                body = get_json(url)
                if body.get("status") != "success":
                    raise SystemExit(f"prometheus failed on {q}: {body}")
                if i >= 3:
                    times.append(body["data"]["stats"]["timings"]["evalTotalTime"] * 1000)
                result = body["data"]["result"]
                series = len(result)
                total = sum(float(r["value"][1]) for r in result
                            if r["value"][1] not in ("NaN", "+Inf", "-Inf"))
            out[q] = (statistics.median(times), series, total)
        return out
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def sonde_times(bench, tmp, runs):
    if not os.access(bench, os.X_OK):
        return {q: {"error": f"{bench} is not built"} for q in QUERIES}
    r = subprocess.run([bench, os.path.join(tmp, "data.om"), str(END * 1000), str(runs)] + QUERIES,
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit("promql_bench failed: " + r.stderr)
    out = {}
    for line in r.stdout.splitlines():
        row = json.loads(line)
        out[row["query"]] = row
    return out


def main():
    bench = sys.argv[1]
    runs = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    for tool in ("prometheus", "promtool"):
        if not shutil.which(tool):
            raise SystemExit(f"{tool} not found: run tools/install-deps.sh")
    tmp = tempfile.mkdtemp(prefix="sonde-promql-bench-")
    try:
        subprocess.run([sys.executable, os.path.join(HERE, "promql_data.py"),
                        os.path.join(tmp, "data.om"), str(END)], check=True)
        with open("/proc/loadavg") as f:
            load_before = f.read().split()[0]
        prom = prometheus_times(tmp, runs)
        sonde = sonde_times(bench, tmp, runs)
        with open("/proc/loadavg") as f:
            load_after = f.read().split()[0]
        print(f"median of {runs} runs, instant queries at t={END}; "
              f"load average {load_before} before, {load_after} after")
        print(f"{'query':<90} {'sonde ms':>9} {'prom ms':>9} {'ratio':>6}  series (same values as Prometheus unless noted)")
        for q in QUERIES:
            p_ms, p_series, p_sum = prom[q]
            s = sonde.get(q, {"error": "no result"})
            if "error" in s:
                print(f"{q:<90} {'-':>9} {p_ms:9.3f} {'-':>6}  sonde: {s['error']}")
                continue
            note = "" if s["series"] == p_series else f" (prometheus: {p_series})"
            # The results must agree, or the timing compares different work.
            if abs(s["sum"] - p_sum) > 1e-6 * max(1.0, abs(p_sum)):
                note += f" VALUES DIFFER: sum {s['sum']!r} vs prometheus {p_sum!r}"
            print(f"{q:<90} {s['ms']:9.3f} {p_ms:9.3f} {s['ms'] / p_ms:6.2f}  {s['series']}{note}")
        loaded = [s for s in sonde.values() if "load_ms" in s]
        if loaded:
            print(f"sonde: data loaded in {loaded[0]['load_ms']:.0f} ms, "
                  f"{loaded[0]['series_total']} series")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
