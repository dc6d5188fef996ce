#!/usr/bin/env python3
"""What an idle connection costs sonde in resident memory (docs/web.md): N keep-alive
connections, each answered once (so each is established and has its buffers), held open idle;
RSS before and after, per connection. Plain HTTP, then TLS 1.3 + basic auth (RSA-2048).
Connections come from 127.0.0.2 on, 16 per address (web.max_connections_per_client).

Usage: bench/web_connection_cost.py [N=400]
"""
import base64
import os
import shutil
import socket
import ssl
import sys
import tempfile
import time

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))
os.environ.setdefault("SONDE_BIN", os.path.join(ROOT, "build", "release", "daemon", "sonde"))

from harness import Sonde, rss_bytes  # noqa: E402
from webtls import bcrypt_hash, make_ca, make_cert  # noqa: E402


def hold(port, n, ctx, auth):
    held = []
    for i in range(n):
        raw = socket.socket()
        raw.bind((f"127.0.{2 + i // 16 // 250}.{2 + (i // 16) % 250}", 0))
        raw.connect(("127.0.0.1", port))
        s = ctx.wrap_socket(raw, server_hostname="localhost") if ctx else raw
        s.sendall(f"GET / HTTP/1.1\r\nHost: localhost\r\n{auth}\r\n".encode())
        data = b""
        while b"</html>\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                raise SystemExit(f"connection {i} closed: {data!r}")
            data += chunk
        held.append(s)
    return held


def measure(n, web=None, ca=None, auth=""):
    args = ["--web.config.file", web] if web else []
    sonde = Sonde(config="web:\n  max_connections: 100000\n", args=args)
    sonde.start()
    try:
        _, port = sonde.host_port()
        ctx = ssl.create_default_context(cafile=ca) if ca else None
        hold(port, 16, ctx, auth)  # warm: first connections allocate pools
        time.sleep(1)
        before = rss_bytes(sonde.proc.pid)
        held = hold(port, n, ctx, auth)
        time.sleep(1)
        after = rss_bytes(sonde.proc.pid)
        for s in held:
            s.close()
        return before, after
    finally:
        sonde.stop()
        sonde.cleanup()


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 400
    d = tempfile.mkdtemp(prefix="sonde-conn-cost-")
    try:
        make_ca(d)
        make_cert(d, "server")
        web = os.path.join(d, "web.yml")
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: server.pem\n  key_file: server_key.pem\n"
                    f"basic_auth_users:\n  u: '{bcrypt_hash('p')}'\n")
        auth = "Authorization: Basic " + base64.b64encode(b"u:p").decode() + "\r\n"
        for name, kw in (("plain HTTP", {}),
                         ("TLS + basic auth", {"web": web, "ca": os.path.join(d, "ca.pem"),
                                               "auth": auth})):
            before, after = measure(n, **kw)
            print(f"{name}: {n} idle connections, RSS {before / 2**20:.1f} -> "
                  f"{after / 2**20:.1f} MiB, {(after - before) / n / 1024:.1f} KiB each",
                  flush=True)
    finally:
        shutil.rmtree(d, ignore_errors=True)


if __name__ == "__main__":
    main()
