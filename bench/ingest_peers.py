#!/usr/bin/env python3
"""Issue 17, target 3: sonde beside collectd's statsd plugin and netdata's statsd, over UDP, in
one run with one generator.

Starts, each on its own 127.0.0.1 UDP port with its own configuration in a temporary directory
(no system service, nothing under /etc touched): the release sonde (collectors off, the udp
listener on), `sonde-loadgen sink --udp` (the bare recvmmsg receiver), collectd (Debian
collectd-core, `LoadPlugin statsd` only) and netdata (Debian netdata-core, every plugin but
statsd off, no web server). Then, ROUNDS times alternately, floods each with `sonde-loadgen max
--udp` (1 sender, 1,000 series, plain StatsD lines `loadgen.mN:1|c` since collectd takes no
DogStatsD tags) at 1 and at 16 lines a datagram. UDP gives a flooding sender no back-pressure,
so the receiver takes what it can and the kernel drops the rest: what each accepted is the
lines sent less the datagrams its socket dropped (the `drops` column of /proc/net/udp for its
port) times the lines a datagram; the run ends when its socket's queue is empty. Prints, for
each, accepted lines/s, CPU time per accepted line (utime + stime of the process, all threads)
and RSS at the end, the medians, and `uptime` before and after. sonde's own count
(sonde_ingest_lines_total{listener="udp",result="accepted"}) is printed beside the kernel's
figure as a check.

Every receiver gets the socket receive buffer the kernel grants it: sonde asks for 8 MiB
(capped at net.core.rmem_max), the others take net.core.rmem_default; each one's is printed.

Usage: bench/ingest_peers.py [SECONDS=5] [ROUNDS=3] [PEERS=sonde,bare,collectd,netdata]
"""
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ingest_compare import LOADGEN, SONDE, fields, sonde_config, start, uptime, wait_ready  # noqa: E402

COLLECTD = shutil.which("collectd") or "/usr/sbin/collectd"
NETDATA = shutil.which("netdata") or "/usr/sbin/netdata"


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def udp_socket(port):
    """(rx_queue bytes, drops) of the UDP socket bound to 127.0.0.1:port, from /proc/net/udp."""
    want = f"0100007F:{port:04X}"
    with open("/proc/net/udp") as f:
        for line in f.readlines()[1:]:
            cols = line.split()
            if cols[1] == want:
                return int(cols[4].split(":")[1], 16), int(cols[12])
    raise LookupError(f"no UDP socket on 127.0.0.1:{port}")


def rcvbuf(port):
    r = subprocess.run(["ss", "-uamn", "sport", "=", f":{port}"], capture_output=True, text=True)
    m = re.search(r"rb(\d+)", r.stdout)
    return int(m.group(1)) if m else 0


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        parts = f.read().rsplit(")", 1)[1].split()
    return (int(parts[11]) + int(parts[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def sonde_accepted(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        body = r.read().decode()
    m = re.search(r'^sonde_ingest_lines_total\{listener="udp",result="accepted"\} (\S+)$', body,
                  re.M)
    return float(m.group(1)) if m else 0.0


def wait_port(port, proc, what):
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            udp_socket(port)
            return
        except LookupError:
            if proc.poll() is not None:
                sys.exit(f"{what} exited with {proc.returncode}")
            time.sleep(0.1)
    sys.exit(f"{what} never bound 127.0.0.1:{port}")


def start_collectd(tmp, port):
    d = os.path.join(tmp, "collectd")
    os.makedirs(d)
    conf = os.path.join(d, "collectd.conf")
    with open(conf, "w") as f:
        f.write(f"""Hostname "bench"
FQDNLookup false
Interval 10
BaseDir "{d}"
PIDFile "{d}/collectd.pid"
PluginDir "/usr/lib/collectd"
TypesDB "/usr/share/collectd/types.db"
LoadPlugin statsd
<Plugin statsd>
  Host "127.0.0.1"
  Port "{port}"
</Plugin>
""")
    p = subprocess.Popen([COLLECTD, "-f", "-C", conf], stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    wait_port(port, p, "collectd")
    return p


def start_netdata(tmp, port):
    d = os.path.join(tmp, "netdata")
    for sub in ("cache", "lib", "log"):
        os.makedirs(os.path.join(d, sub))
    conf = os.path.join(d, "netdata.conf")
    plugins = ("proc diskspace cgroups tc idlejitter timex checks apps python.d charts.d go.d "
               "node.d ebpf perf slabinfo freeipmi nfacct xenstat ioping").split()
    with open(conf, "w") as f:
        f.write(f"""[global]
  run as user = {os.environ.get("USER", "root") if os.getuid() else "root"}
  hostname = bench
  update every = 1
  memory mode = ram
  cache directory = {d}/cache
  lib directory = {d}/lib
  log directory = {d}/log
  error log = {d}/log/error.log
  access log = none
  debug log = none
[web]
  mode = none
[health]
  enabled = no
[ml]
  enabled = no
[registry]
  enabled = no
[cloud]
  enabled = no
[plugins]
  enable running new plugins = no
""" + "".join(f"  {p} = no\n" for p in plugins) + f"""  statsd = yes
[statsd]
  enabled = yes
  bind to = udp:127.0.0.1:{port}
""")
    p = subprocess.Popen([NETDATA, "-D", "-c", conf, "-P", os.path.join(d, "netdata.pid")],
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True)
    wait_port(port, p, "netdata")
    return p


def drive(port, pid, per, seconds, label):
    """One flood of a receiver: (accepted lines/s, CPU ns per accepted line, RSS kB, sent,
    accepted)."""
    _, drops0 = udp_socket(port)
    cpu0 = cpu_seconds(pid)
    t0 = time.monotonic()
    r = subprocess.run([LOADGEN, "max", "--udp", f"127.0.0.1:{port}", "--series", "1000",
                        "--tags", "0", "--lines-per-datagram", str(per), "--duration",
                        str(seconds), "--warmup", "0", "--label", label],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(r.stdout + r.stderr)
    summary = [fields(l) for l in r.stdout.splitlines() if l.startswith("summary")][0]
    # Drained: the socket's queue empty (or still not after 10 s: what is left counts as lost).
    deadline = time.monotonic() + 10
    while udp_socket(port)[0] > 0 and time.monotonic() < deadline:
        time.sleep(0.01)
    elapsed = time.monotonic() - t0
    cpu = cpu_seconds(pid) - cpu0
    queued, drops1 = udp_socket(port)
    sent = int(summary["sent"])
    if queued:
        print(f"  {label}: {queued} bytes still queued after 10 s (counted as accepted)")
    accepted = sent - (drops1 - drops0) * per
    return accepted / elapsed, cpu * 1e9 / max(accepted, 1), rss_kb(pid), sent, accepted


def main():
    seconds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    wanted = (sys.argv[3] if len(sys.argv) > 3 else "sonde,bare,collectd,netdata").split(",")
    for tool in (SONDE, LOADGEN):
        if not os.access(tool, os.X_OK):
            sys.exit(f"missing {tool}: cmake --build --preset release --target sonde sonde-loadgen")
    for name, tool in (("collectd", COLLECTD), ("netdata", NETDATA)):
        if name in wanted and not os.access(tool, os.X_OK):
            sys.exit(f"missing {tool}: tools/install-deps.sh installs collectd-core and netdata-core")
    print("start:", uptime(), flush=True)
    tmp = tempfile.mkdtemp(prefix="ingest-peers-")
    env = dict(os.environ, RUNTIME_DIRECTORY=tmp, STATE_DIRECTORY=os.path.join(tmp, "state"))
    receivers, procs, sonde_url = {}, [], None
    try:
        if "sonde" in wanted:
            port = free_port()
            config = sonde_config(tmp)
            with open(config, "a") as f:
                f.write(f"ingest:\n  unixgram:\n    enabled: false\n  udp:\n    enabled: true\n"
                        f"    address: \"127.0.0.1:{port}\"\n")
            p, address = start([SONDE, "--config", config, "--web.listen-address",
                                "127.0.0.1:0", "--log.level", "info"], env,
                               r"listening on ([^\s\"]+)")
            procs.append(p)
            wait_ready(f"http://{address}/ready")
            sonde_url = f"http://{address}/metrics"
            receivers["sonde"] = (port, p.pid)
        if "bare" in wanted:
            port = free_port()
            p, _ = start([LOADGEN, "sink", "--udp", f"127.0.0.1:{port}"], env,
                         r"listening on (\S+)")
            procs.append(p)
            receivers["bare"] = (port, p.pid)
        if "collectd" in wanted:
            port = free_port()
            p = start_collectd(tmp, port)
            procs.append(p)
            receivers["collectd"] = (port, p.pid)
        if "netdata" in wanted:
            port = free_port()
            p = start_netdata(tmp, port)
            procs.append(p)
            receivers["netdata"] = (port, p.pid)
        for name, (port, pid) in receivers.items():
            print(f"{name}: 127.0.0.1:{port} pid {pid} receive buffer {rcvbuf(port)} bytes "
                  f"RSS {rss_kb(pid)} kB at start", flush=True)
        results = {}
        for per in (1, 16):
            for r in range(rounds):
                for name, (port, pid) in receivers.items():
                    before = sonde_accepted(sonde_url) if name == "sonde" else None
                    rate, ns, rss, sent, accepted = drive(port, pid, per, seconds, name)
                    check = ""
                    if before is not None:
                        check = f", sonde's own count {sonde_accepted(sonde_url) - before:.0f}"
                    results.setdefault((name, per), []).append((rate, ns, rss))
                    print(f"lines/datagram {per:>2} round {r + 1} {name:>8}: {rate:>12,.0f} "
                          f"lines/s {ns:>8.1f} ns CPU/line RSS {rss:>7} kB (sent {sent}, "
                          f"accepted {accepted}{check})", flush=True)
        print("end:", uptime())
        print(f"\nmedians over {rounds} rounds, {seconds} s floods, 1 sender, 1,000 series, "
              "no tags, UDP:")
        for per in (1, 16):
            for name in receivers:
                rate, ns, rss = (statistics.median(x) for x in zip(*results[(name, per)]))
                print(f"  {per:>2} lines/datagram {name:>8}: {rate:>12,.0f} lines/s "
                      f"{ns:>8.1f} ns CPU/line RSS {rss:>7.0f} kB")
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        for p in procs:
            try:
                p.wait(30)
            except subprocess.TimeoutExpired:
                p.kill()


if __name__ == "__main__":
    main()
