"""A real Alertmanager (Debian's prometheus-alertmanager 0.25) for the notifier tests, and a
small webhook receiver that records what it is sent. Both on 127.0.0.1, ephemeral ports,
temporary directories; the caller stops them."""
import http.server
import json
import os
import shutil
import subprocess
import tempfile
import threading
import time
import urllib.error
import urllib.request

from harness import DEADLINE, free_port, require_tool, stop_process


class Receiver:
    """Records every POSTed JSON body; answers `status` (changeable)."""

    def __init__(self):
        self.bodies = []
        self.paths = []
        self.headers = []
        self.status = 200
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                raw = self.rfile.read(n)
                with outer.lock:
                    outer.bodies.append(json.loads(raw))
                    outer.paths.append(self.path)
                    outer.headers.append(dict(self.headers))
                    status = outer.status
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def messages(self):
        with self.lock:
            return list(self.bodies)

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


AM_CONFIG = """route:
  receiver: hook
  group_by: {group_by}
  group_wait: {group_wait}
  group_interval: {group_interval}
  repeat_interval: {repeat_interval}
receivers:
- name: hook
  webhook_configs:
  - url: {url}
    send_resolved: {send_resolved}
    max_alerts: {max_alerts}
"""


class Alertmanager:
    """A real Alertmanager routing every alert to `webhook_url`."""

    def __init__(self, webhook_url, group_by="[alertname]", group_wait="1s", group_interval="1s",
                 repeat_interval="1h", send_resolved="true", max_alerts=0, port=None):
        self.binary = require_tool("prometheus-alertmanager")
        self.dir = tempfile.mkdtemp(prefix="sonde-it-am-")
        self.config = os.path.join(self.dir, "alertmanager.yml")
        with open(self.config, "w") as f:
            f.write(AM_CONFIG.format(url=webhook_url, group_by=group_by, group_wait=group_wait,
                                     group_interval=group_interval,
                                     repeat_interval=repeat_interval,
                                     send_resolved=send_resolved, max_alerts=max_alerts))
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = None
        self.log_file = os.path.join(self.dir, "am.log")

    def start(self):
        log = open(self.log_file, "a")
        self.proc = subprocess.Popen(
            [self.binary, f"--config.file={self.config}",
             f"--storage.path={os.path.join(self.dir, 'data')}",
             f"--web.listen-address=127.0.0.1:{self.port}", "--cluster.listen-address=",
             f"--web.external-url=http://127.0.0.1:{self.port}"],
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(self.url + "/-/ready", timeout=2) as r:
                    if r.status == 200:
                        return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                break
            time.sleep(0.1)
        raise AssertionError("alertmanager did not start:\n" + self.log())

    def log(self):
        try:
            with open(self.log_file) as f:
                return f.read()
        except OSError:
            return ""

    def alerts(self):
        """GET /api/v2/alerts: the alerts it holds that have not ended."""
        with urllib.request.urlopen(self.url + "/api/v2/alerts", timeout=DEADLINE) as r:
            return json.loads(r.read())

    def stop(self):
        """SIGTERM, as systemd stops it: its notification log is written on the way out."""
        if self.proc:
            stop_process(self.proc)

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.dir, ignore_errors=True)


class AuthProxy:
    """A TLS reverse proxy in front of a real Alertmanager (Python's ssl, a certificate made at
    test time): a request whose Authorization header is not `expect` gets 401; others are passed
    on to `target` and its answer returned. Records the Authorization headers it saw."""

    def __init__(self, target, cert, key, expect):
        import ssl
        self.seen = []
        self.lock = threading.Lock()
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                n = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(n)
                auth = self.headers.get("Authorization", "")
                with outer.lock:
                    outer.seen.append(auth)
                if auth != expect:
                    self.send_response(401)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                req = urllib.request.Request(target + self.path, data=body, method="POST",
                                             headers={"Content-Type": "application/json"})
                try:
                    with urllib.request.urlopen(req, timeout=DEADLINE) as r:
                        status, answer = r.status, r.read()
                except urllib.error.HTTPError as e:
                    status, answer = e.code, e.read()
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cert, key)
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.url = f"https://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


class Hung:
    """Accepts connections and never answers (a receiver that hangs)."""

    def __init__(self):
        import socket
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.url = f"http://127.0.0.1:{self.sock.getsockname()[1]}"
        self.conns = []
        self.stopped = threading.Event()
        self.thread = threading.Thread(target=self.run, daemon=True)
        self.thread.start()

    def run(self):
        self.sock.settimeout(0.2)
        while not self.stopped.is_set():
            try:
                c, _ = self.sock.accept()
                self.conns.append(c)
            except OSError:
                pass

    def stop(self):
        self.stopped.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()
