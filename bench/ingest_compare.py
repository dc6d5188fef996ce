#!/usr/bin/env python3
"""Issue 17, targets 1 and 2: sonde against a bare recvmmsg counting receiver in one run.

Starts the release sonde (collectors off, so its CPU is ingest's; the default unixgram listener)
and `sonde-loadgen sink` (recvmmsg, counts lines, nothing else) on their own unixgram sockets,
then, ROUNDS times alternately, drives each with `sonde-loadgen max` (blocking senders, so
nothing is lost: every line sent is accepted) at 1 and at 16 lines per datagram, 1,000 series
with two tags each. Accepted lines/s come from each receiver's own counter (sonde's
sonde_ingest_lines_total{listener="unixgram",result="accepted"}, the sink's
loadgen_sink_lines_total), CPU from /proc/<pid>/stat over the same window. Prints each run, the
medians, sonde/bare lines/s (target 1: >= 0.80) and sonde's CPU per line minus the bare
receiver's (target 2, at 16 lines/datagram: <= 50 ns), both also as the median of each round's
own ratio and difference (the round runs the two back to back: steadier when rounds fall into
two regimes, docs/performance.md "Targets 1 and 2 again"), with `uptime` before and after.

Usage: bench/ingest_compare.py [SECONDS=5] [ROUNDS=3] [SENDERS=1]
"""
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUILD = os.environ.get("SONDE_BUILD_DIR", os.path.join(ROOT, "build", "release"))
SONDE = os.path.join(BUILD, "daemon", "sonde")
LOADGEN = os.path.join(BUILD, "tools", "loadgen", "sonde-loadgen")


def uptime():
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip()


def fields(line):
    return dict(kv.split("=", 1) for kv in line.split()[1:] if "=" in kv)


def sonde_config(tmp):
    """Every collector off: the probe lists them in its error ("expected one of: ...")."""
    probe = os.path.join(tmp, "probe.yaml")
    with open(probe, "w") as f:
        f.write("collectors:\n  nope: {}\n")
    r = subprocess.run([SONDE, "config", "check", probe], capture_output=True, text=True)
    m = re.search(r"expected one of: ([^\n]*)", r.stdout + r.stderr)
    names = [n.strip() for n in m.group(1).split(",")] if m else []
    path = os.path.join(tmp, "sonde.yaml")
    with open(path, "w") as f:
        f.write("collectors:\n")
        for n in names:
            f.write(f"  {n}:\n    enabled: false\n")
    return path


def start(cmd, env, pattern):
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = p.stdout.readline()
        m = re.search(pattern, line)
        if m:
            return p, m.group(1)
        if not line and p.poll() is not None:
            break
    p.kill()
    sys.exit(f"{cmd[0]} did not start")


def wait_ready(url):
    for _ in range(300):
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(f"{url} never became ready")


def run(args):
    r = subprocess.run([LOADGEN, *args], capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stdout + r.stderr)
    rows = {l.split(" ", 1)[0]: fields(l) for l in r.stdout.splitlines()}
    return rows["window"], rows["summary"]


def main():
    seconds = sys.argv[1] if len(sys.argv) > 1 else "5"
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    senders = sys.argv[3] if len(sys.argv) > 3 else "1"
    for tool in (SONDE, LOADGEN):
        if not os.access(tool, os.X_OK):
            sys.exit(f"missing {tool}: cmake --build --preset release --target sonde sonde-loadgen")
    print("start:", uptime(), flush=True)
    tmp = tempfile.mkdtemp(prefix="ingest-cmp-")
    env = dict(os.environ, RUNTIME_DIRECTORY=tmp, STATE_DIRECTORY=os.path.join(tmp, "state"))
    sonde, address = start([SONDE, "--config", sonde_config(tmp), "--web.listen-address",
                            "127.0.0.1:0", "--log.level", "info"], env,
                           r"listening on ([^\s\"]+)")
    sink_sock = os.path.join(tmp, "sink.sock")
    sink, sink_address = start([LOADGEN, "sink", "--unixgram", sink_sock], env,
                               r"listening on (\S+)")
    procs = [sonde, sink]
    try:
        wait_ready(f"http://{address}/ready")
        targets = {
            "bare": ["--unixgram", sink_sock, "--metrics", f"http://{sink_address}/metrics",
                     "--counter", "loadgen_sink_lines_total", "--pid", str(sink.pid)],
            "sonde": ["--unixgram", os.path.join(tmp, "dsd.sock"), "--sonde",
                      f"http://{address}/metrics", "--pid", str(sonde.pid)],
        }
        results = {}
        for per in ("1", "16"):
            for r in range(rounds):
                for name, target in targets.items():
                    w, s = run(["max", *target, "--series", "1000", "--tags", "2",
                                "--lines-per-datagram", per, "--duration", seconds,
                                "--warmup", "1", "--senders", senders, "--label", name])
                    assert s["accepted"] == s["sent"], (name, s)  # blocking: nothing lost
                    results.setdefault((name, per), []).append(
                        (float(w["accepted_per_s"]), float(w["cpu_ns_per_line"])))
                    print(f"lines/datagram {per:>2} round {r + 1} {name:>5}: "
                          f"{float(w['accepted_per_s']):>12,.0f} lines/s "
                          f"{float(w['cpu_ns_per_line']):>8.1f} ns CPU/line "
                          f"(sent {s['sent']}, accepted {s['accepted']})", flush=True)
        print("end:", uptime())
        print(f"\nmedians over {rounds} rounds, {seconds} s each, {senders} blocking sender(s), "
              "1,000 series x 2 tags, unixgram:")
        for per in ("1", "16"):
            b = [statistics.median(x) for x in zip(*results[("bare", per)])]
            s = [statistics.median(x) for x in zip(*results[("sonde", per)])]
            # Each round runs the two back to back, under the same conditions; on a VM whose
            # rounds fall into two regimes (the sender and receiver's wake-ups cheap or dear:
            # 0.5 M or 1.6 M lines/s at 1 line a datagram), the two medians can come from
            # different regimes, so the median of the rounds' own ratios is printed beside them.
            pairs = list(zip(results[("bare", per)], results[("sonde", per)]))
            ratio = statistics.median(so[0] / ba[0] for ba, so in pairs)
            delta = statistics.median(so[1] - ba[1] for ba, so in pairs)
            print(f"  {per:>2} lines/datagram: bare {b[0]:,.0f} lines/s {b[1]:.1f} ns/line, "
                  f"sonde {s[0]:,.0f} lines/s {s[1]:.1f} ns/line: ratio {s[0] / b[0]:.3f}, "
                  f"CPU/line sonde - bare {s[1] - b[1]:+.1f} ns; the rounds' own: ratio "
                  f"{ratio:.3f}, CPU/line {delta:+.1f} ns")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            p.wait(30)


if __name__ == "__main__":
    main()
