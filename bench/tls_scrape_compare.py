#!/usr/bin/env python3
"""Scrape latency with TLS + basic auth against plain HTTP, for sonde and node_exporter 1.5 given
the same web config file, printed side by side with the ratios (docs/performance.md).

For each exporter and each mode (plain HTTP without a web config; TLS 1.3 + basic auth from one
web config file):
  - kept-alive: one connection, 20 warm-up scrapes, then N timed ones (request sent to the last
    body byte read), as Prometheus scrapes (its Accept header, Accept-Encoding: gzip);
  - new connection: M scrapes each on a fresh connection (TCP connect + TLS handshake + request),
    what a scraper that does not keep connections alive pays.
The same Python client measures every target, so its own cost is in every number alike; the
ratios (TLS+auth / plain) are what to compare. One target runs at a time.

Usage: bench/tls_scrape_compare.py [N=500] [M=200]
Needs: build/release/daemon/sonde, prometheus-node-exporter, openssl, Python's crypt module.
"""
import base64
import http.client
import os
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import warnings

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
SONDE = os.path.join(ROOT, "build", "release", "daemon", "sonde")
ACCEPT = ("application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;"
          "q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
PASSWORD = "bench password"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_files(d):
    def run(*args):
        subprocess.run(["openssl"] + list(args), cwd=d, check=True, capture_output=True)
    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=bench ca",
        "-keyout", "ca_key.pem", "-out", "ca.pem")
    with open(os.path.join(d, "ext"), "w") as f:
        f.write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=localhost", "-keyout", "key.pem",
        "-out", "server.csr")
    run("x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca_key.pem",
        "-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", "cert.pem")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        import crypt
        h = crypt.crypt(PASSWORD, crypt.mksalt(crypt.METHOD_BLOWFISH, rounds=1024))
    path = os.path.join(d, "web.yml")
    with open(path, "w") as f:
        f.write("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                f"basic_auth_users:\n  prometheus: '{h}'\n")
    return path


def wait_port(port, proc):
    end = time.monotonic() + 20
    while time.monotonic() < end:
        if proc.poll() is not None:
            raise SystemExit(f"exporter exited: {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit("exporter did not listen")


def start(kind, port, web, d):
    if kind == "sonde":
        conf = os.path.join(d, "sonde.yaml")
        with open(conf, "w") as f:
            f.write("collectors:\n" + "".join(
                f"  {c}:\n    interval: 1s\n" for c in
                ("cpu", "meminfo", "loadavg", "stat", "vmstat", "uname", "diskstats", "netdev",
                 "filesystem", "pressure")))
        args = [SONDE, "--config", conf, "--web.listen-address", f"127.0.0.1:{port}",
                "--log.level", "error"]
        env = dict(os.environ, RUNTIME_DIRECTORY=d)
    else:
        args = ["prometheus-node-exporter", f"--web.listen-address=127.0.0.1:{port}",
                "--collector.disable-defaults"] + [f"--collector.{c}" for c in (
                    "cpu", "meminfo", "loadavg", "stat", "vmstat", "uname", "time", "diskstats",
                    "netdev", "filesystem", "pressure")] + ["--log.level=error"]
        env = None
    if web:
        args.append(f"--web.config.file={web}")
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    wait_port(port, proc)
    time.sleep(1.5)  # first collector attempts done
    return proc


def connection(port, tls_ctx):
    if tls_ctx:
        return http.client.HTTPSConnection("localhost", port, timeout=10, context=tls_ctx)
    return http.client.HTTPConnection("127.0.0.1", port, timeout=10)


def scrape(conn, headers):
    t0 = time.perf_counter()
    conn.request("GET", "/metrics", headers=headers)
    r = conn.getresponse()
    body = r.read()
    t = time.perf_counter() - t0
    if r.status != 200 or not body:
        raise SystemExit(f"scrape failed: {r.status}")
    return t


def pct(xs, p):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(p / 100 * (len(xs) - 1))))]


def measure(port, tls_ctx, auth, n, m):
    headers = {"Accept": ACCEPT, "Accept-Encoding": "gzip"}
    if auth:
        headers["Authorization"] = "Basic " + base64.b64encode(
            f"prometheus:{PASSWORD}".encode()).decode()
    conn = connection(port, tls_ctx)
    for _ in range(20):
        scrape(conn, headers)
    kept = [scrape(conn, headers) for _ in range(n)]
    conn.close()
    fresh = []
    for _ in range(m):
        t0 = time.perf_counter()
        c = connection(port, tls_ctx)
        scrape(c, headers)
        c.close()
        fresh.append(time.perf_counter() - t0)
    ms = lambda x: x * 1000
    return (ms(statistics.median(kept)), ms(pct(kept, 99)), ms(statistics.median(fresh)),
            ms(pct(fresh, 99)))


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    m = int(sys.argv[2]) if len(sys.argv) > 2 else 200
    if not os.access(SONDE, os.X_OK):
        raise SystemExit(f"missing {SONDE}: cmake --build --preset release")
    if not shutil.which("prometheus-node-exporter"):
        raise SystemExit("prometheus-node-exporter missing: tools/install-deps.sh")
    d = tempfile.mkdtemp(prefix="sonde-tls-bench-")
    try:
        web = make_files(d)
        ctx = ssl.create_default_context(cafile=os.path.join(d, "ca.pem"))
        print(f"load average at start: {os.getloadavg()[0]:.2f}; N={n} kept-alive, M={m} new-connection scrapes")
        results = {}
        for kind in ("sonde", "node_exporter"):
            for mode in ("plain", "tls+auth"):
                port = free_port()
                proc = start(kind, port, web if mode == "tls+auth" else None, d)
                try:
                    results[(kind, mode)] = measure(port, ctx if mode == "tls+auth" else None,
                                                    mode == "tls+auth", n, m)
                finally:
                    proc.terminate()
                    proc.wait(10)
        cols = ("kept-alive median", "kept-alive p99", "new conn median", "new conn p99")
        print(f"{'':28}" + "".join(f"{c:>19}" for c in cols))
        for kind in ("sonde", "node_exporter"):
            for mode in ("plain", "tls+auth"):
                print(f"{kind + ' ' + mode:28}" + "".join(f"{v:16.3f} ms" for v in results[(kind, mode)]))
            ratio = [t / p for t, p in zip(results[(kind, "tls+auth")], results[(kind, "plain")])]
            print(f"{kind + ' tls+auth/plain':28}" + "".join(f"{r:18.2f}x" for r in ratio))
        ratio = [s / e for s, e in zip(results[("sonde", "tls+auth")], results[("node_exporter", "tls+auth")])]
        print(f"{'tls+auth sonde/node_exp.':28}" + "".join(f"{r:18.2f}x" for r in ratio))
        print(f"load average at end: {os.getloadavg()[0]:.2f}")
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
