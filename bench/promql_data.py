#!/usr/bin/env python3
"""Writes the PromQL benchmark's data set as OpenMetrics text (bench/promql_compare.sh).

20 minutes of 15 s samples (81 points, timestamps END-1200 .. END seconds) of:
- node_cpu_seconds_total{instance, job="node", cpu="0".."1", mode=8 modes}: 625 instances,
  10,000 counter series;
- x histogram (x_bucket{instance, le} with 11 buckets, x_count, x_sum) for 50 instances;
- node_uname_info{instance, nodename, release} = 1, one per instance (for group_left joins).
Deterministic (fixed seed). Usage: promql_data.py OUT.om END_SECONDS
"""
import random
import sys

MODES = ["idle", "iowait", "irq", "nice", "softirq", "steal", "system", "user"]
SHARE = {"idle": 0.70, "iowait": 0.02, "irq": 0.005, "nice": 0.01, "softirq": 0.01,
         "steal": 0.005, "system": 0.08, "user": 0.17}
INSTANCES = 625
HIST_INSTANCES = 50
BUCKETS = ["0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "+Inf"]
STEP = 15
POINTS = 81  # 20 minutes inclusive


def instance(i):
    return f"host-{i:04d}:9100"


def main():
    out_path, end = sys.argv[1], int(sys.argv[2])
    start = end - STEP * (POINTS - 1)
    rnd = random.Random(42)
    times = [start + k * STEP for k in range(POINTS)]
    with open(out_path, "w") as out:
        w = out.write
        w("# HELP node_cpu_seconds Seconds the CPUs spent in each mode.\n")
        w("# TYPE node_cpu_seconds counter\n")
        for i in range(INSTANCES):
            for cpu in range(2):
                for mode in MODES:
                    v = rnd.uniform(1e5, 1e6) * SHARE[mode]
                    labels = f'cpu="{cpu}",instance="{instance(i)}",job="node",mode="{mode}"'
                    for t in times:
                        v += STEP * SHARE[mode] * rnd.uniform(0.5, 1.5)
                        w(f"node_cpu_seconds_total{{{labels}}} {v:.3f} {t}\n")
        w("# HELP x A request latency histogram.\n")
        w("# TYPE x histogram\n")
        for i in range(HIST_INSTANCES):
            counts = [0] * len(BUCKETS)
            total = 0.0
            for t in times:
                n = rnd.randint(50, 150)
                for _ in range(n):
                    d = rnd.expovariate(1 / 0.2)
                    total += d
                    for b, le in enumerate(BUCKETS):
                        if le == "+Inf" or d <= float(le):
                            counts[b] += 1
                labels = f'instance="{instance(i)}",job="api"'
                for b, le in enumerate(BUCKETS):
                    w(f'x_bucket{{{labels},le="{le}"}} {counts[b]} {t}\n')
                w(f"x_count{{{labels}}} {counts[-1]} {t}\n")
                w(f"x_sum{{{labels}}} {total:.6f} {t}\n")
        w("# HELP node_uname_info Labeled system information.\n")
        w("# TYPE node_uname_info gauge\n")
        for i in range(INSTANCES):
            labels = (f'instance="{instance(i)}",job="node",nodename="node{i:04d}",'
                      f'release="6.1.0-{i % 7}-amd64"')
            for t in times:
                w(f"node_uname_info{{{labels}}} 1 {t}\n")
        w("# EOF\n")


if __name__ == "__main__":
    main()
