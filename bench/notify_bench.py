#!/usr/bin/env python3
"""Alert delivery throughput (issue 22, docs/performance.md): how many notifications per second
one sender pushes into a real Alertmanager 0.25 on loopback, and sonde's CPU per 1,000
notifications.

sonde starts with one Alertmanager and a rule `app_flag > 0`; ALERTS distinct DogStatsD gauges
(app.flag:1|g|#id:<n>) make ALERTS alerts fire in one evaluation. Measured from the first alert
sent to the queue drained (sonde_notifications_sent_total reaching ALERTS with nothing queued):
alerts/s, the sender thread's CPU ("sonde-notify", /proc/<pid>/task/<tid>/stat) and the whole
process's CPU, each per 1,000 notifications, and Alertmanager's CPU for the same work. ROUNDS
rounds, each with a fresh sonde and Alertmanager; the median is printed.

Usage: bench/notify_bench.py [ALERTS=10000] [ROUNDS=3]
Needs: build/release/daemon/sonde (SONDE_BUILD_DIR), prometheus-alertmanager (Debian's package).
"""
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
BUILD = os.environ.get("SONDE_BUILD_DIR", os.path.join(ROOT, "build", "release"))
SONDE = os.path.join(BUILD, "daemon", "sonde")
TICK = os.sysconf("SC_CLK_TCK")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu(pid, tid=None):
    path = f"/proc/{pid}/task/{tid}/stat" if tid else f"/proc/{pid}/stat"
    with open(path) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def thread_id(pid, name):
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == name:
                return tid
    return None


def get(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read().decode()


def metric(text, name):
    total = 0.0
    for line in text.splitlines():
        if line.startswith(name + "{") or line.startswith(name + " "):
            total += float(line.rsplit(" ", 1)[1])
    return total


def wait(what, predicate, deadline=120):
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        if predicate():
            return
        time.sleep(0.02)
    raise SystemExit(f"timed out waiting for {what}")


def one_round(alerts):
    work = tempfile.mkdtemp(prefix="sonde-notify-bench-")
    procs = []
    try:
        am_port = free_port()
        with open(os.path.join(work, "am.yml"), "w") as f:
            f.write("route: {receiver: blackhole, group_wait: 1h}\nreceivers: [{name: blackhole}]\n")
        am = subprocess.Popen(
            ["prometheus-alertmanager", f"--config.file={work}/am.yml",
             f"--storage.path={work}/am", f"--web.listen-address=127.0.0.1:{am_port}",
             "--cluster.listen-address="], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(am)
        wait("alertmanager", lambda: _ok(f"http://127.0.0.1:{am_port}/-/ready"))
        with open(os.path.join(work, "rules.yml"), "w") as f:
            f.write("groups:\n- name: flags\n  interval: 1s\n  rules:\n"
                    "  - alert: Flag\n    expr: app_flag > 0\n"
                    "    annotations: {summary: 'flag {{ $labels.id }} at {{ $value }}'}\n")
        with open(os.path.join(work, "sonde.yaml"), "w") as f:
            f.write(f"""rules:
  files: [rules.yml]
  evaluation_interval: 1s
  resend_delay: 1h
  alertmanagers: [{{url: "http://127.0.0.1:{am_port}"}}]
""")
        port = free_port()
        env = dict(os.environ, RUNTIME_DIRECTORY=work, STATE_DIRECTORY=os.path.join(work, "st"))
        sonde = subprocess.Popen([SONDE, "--config", os.path.join(work, "sonde.yaml"),
                                  "--web.listen-address", f"127.0.0.1:{port}"], env=env,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        procs.append(sonde)
        base = f"http://127.0.0.1:{port}"
        wait("sonde", lambda: _ok(base + "/ready"))
        wait("the sender thread", lambda: thread_id(sonde.pid, "sonde-notify"))
        tid = thread_id(sonde.pid, "sonde-notify")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as c:
            for i in range(alerts):
                c.sendto(f"app.flag:1|g|#id:{i}".encode(), os.path.join(work, "dsd.sock"))
                if i % 200 == 199:
                    time.sleep(0.002)  # stay inside the socket's queue
        # Wait for the evaluation that makes them fire (the first sends start then).
        t_cpu0, p_cpu0, a_cpu0 = cpu(sonde.pid, tid), cpu(sonde.pid), cpu(am.pid)
        wait("alerts sent", lambda: metric(get(base + "/metrics"),
                                           "sonde_notifications_sent_total") > 0)
        t0 = time.monotonic()
        wait("all sent", lambda: _drained(base, alerts))
        elapsed = time.monotonic() - t0
        t_cpu, p_cpu, a_cpu = (cpu(sonde.pid, tid) - t_cpu0, cpu(sonde.pid) - p_cpu0,
                               cpu(am.pid) - a_cpu0)
        held = len(__import__("json").loads(get(f"http://127.0.0.1:{am_port}/api/v2/alerts")))
        if held != alerts:
            raise SystemExit(f"alertmanager holds {held} alerts, expected {alerts}")
        return alerts / elapsed, t_cpu / alerts * 1000, p_cpu / alerts * 1000, a_cpu / alerts * 1000
    finally:
        for p in procs:
            p.terminate()
            p.wait()
        shutil.rmtree(work, ignore_errors=True)


def _ok(url):
    try:
        get(url)
        return True
    except OSError:
        return False


def _drained(base, alerts):
    text = get(base + "/metrics")
    return (metric(text, "sonde_notifications_sent_total") >= alerts and
            metric(text, "sonde_notifications_queue_length") == 0)


def main():
    alerts = int(sys.argv[1]) if len(sys.argv) > 1 else 10000
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    print(f"load before: {os.getloadavg()[0]:.2f}; {alerts} alerts, {rounds} rounds")
    results = [one_round(alerts) for _ in range(rounds)]
    for r in results:
        print(f"  round: {r[0]:9.0f} alerts/s  sender {r[1]*1000:6.1f} ms CPU/1000  "
              f"sonde {r[2]*1000:6.1f} ms/1000  alertmanager {r[3]*1000:6.1f} ms/1000")
    med = [statistics.median(r[i] for r in results) for i in range(4)]
    print(f"median: {med[0]:.0f} notifications/s; sonde's sender thread {med[1]*1000:.1f} ms CPU "
          f"per 1,000 notifications; the whole sonde process (with the evaluation, the state file "
          f"and this bench's /metrics polls) {med[2]*1000:.1f} ms; "
          f"Alertmanager taking them {med[3]*1000:.1f} ms (ratio sender/alertmanager "
          f"{med[1]/med[3]:.2f})")


if __name__ == "__main__":
    main()
