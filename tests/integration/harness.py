"""Starts the real sonde binary and talks to it over HTTP, for integration tests.

Environment: SONDE_BIN (the daemon), SONDE_SOURCE_DIR (the repository). Tests use port 0 and
temporary directories, and always stop what they start.
"""
import http.client
import math
import os
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import unittest

SONDE_BIN = os.environ.get("SONDE_BIN", "")
SOURCE_DIR = os.environ.get("SONDE_SOURCE_DIR", os.path.join(os.path.dirname(__file__), "..", ".."))
FIXTURES = os.path.join(SOURCE_DIR, "tests", "fixtures")
# A generous deadline that only catches hangs; speed is measured by benchmarks, not here.
DEADLINE = 30.0


def require_tool(name):
    """Returns the tool's path, or fails the test: a missing peer never skips into green."""
    path = shutil.which(name)
    if not path:
        raise AssertionError(f"{name} not found on PATH: run tools/install-deps.sh")
    return path


class Sonde:
    def __init__(self, config=None, args=(), env=None, wrapper=()):
        if not SONDE_BIN or not os.access(SONDE_BIN, os.X_OK):
            raise AssertionError(f"SONDE_BIN={SONDE_BIN!r} is not an executable")
        self.tmp = tempfile.mkdtemp(prefix="sonde-it-")
        self.args = list(args)
        self.wrapper = list(wrapper)  # a command that runs sonde (unshare, setpriv, ...)
        if config is not None:
            path = os.path.join(self.tmp, "sonde.yaml")
            with open(path, "w") as f:
                f.write(config)
            self.args = ["--config", path] + self.args
        if not any(a.startswith("--web.listen-address") for a in self.args):
            self.args += ["--web.listen-address", "127.0.0.1:0"]
        # The DogStatsD socket (on by default) and the state (the alert state file) go into the
        # test's own directory, never the user's ~/.local/state/sonde.
        self.env = dict(os.environ, RUNTIME_DIRECTORY=self.tmp,
                        STATE_DIRECTORY=os.path.join(self.tmp, "state"))
        self.env.update(env or {})
        self.proc = None
        self.address = None
        self.lines = []
        self._lock = threading.Lock()
        self._listening = threading.Event()

    def start(self):
        self.proc = subprocess.Popen(self.wrapper + [SONDE_BIN] + self.args, stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     env=self.env, text=True)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        if not self._listening.wait(DEADLINE):
            self.kill()
            raise AssertionError("sonde did not report its listen address:\n" + self.log())
        return self

    def _read(self):
        for line in self.proc.stdout:
            with self._lock:
                self.lines.append(line)
            m = re.search(r"listening on ([^\s\"]+)", line)  # text or JSON log line
            if m and not self._listening.is_set():
                self.address = m.group(1)
                self._listening.set()
        self._listening.set()

    def log(self):
        with self._lock:
            return "".join(self.lines)

    def host_port(self):
        host, _, port = self.address.rpartition(":")
        return host.strip("[]"), int(port)

    def connect(self):
        host, port = self.host_port()
        return http.client.HTTPConnection(host, port, timeout=DEADLINE)

    def request(self, path, method="GET", headers=None):
        conn = self.connect()
        try:
            conn.request(method, path, headers=headers or {})
            r = conn.getresponse()
            body = r.read()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, body
        finally:
            conn.close()

    def get(self, path, **kw):
        return self.request(path, **kw)

    def wait_ready(self):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            status, _, _ = self.request("/ready")
            if status == 200:
                return
            time.sleep(0.05)
        raise AssertionError("sonde never became ready:\n" + self.log())

    def metrics(self):
        status, headers, body = self.request("/metrics")
        assert status == 200, status
        return body.decode()

    def stop(self, sig=signal.SIGTERM):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(DEADLINE)
            except subprocess.TimeoutExpired:
                self.kill()
                raise AssertionError("sonde did not exit after signal:\n" + self.log())
        return self.proc.returncode if self.proc else None

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def cleanup(self):
        self.kill()
        if self.proc:
            self._reader.join(DEADLINE)  # the pipe is at EOF once the process is gone
            self.proc.stdout.close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.cleanup()


def run_sonde(args, timeout=DEADLINE):
    """Runs sonde to completion (config check, --version, a bad config)."""
    return subprocess.run([SONDE_BIN] + list(args), stdin=subprocess.DEVNULL,
                          capture_output=True, text=True, timeout=timeout)


def free_port():
    """A TCP port on 127.0.0.1 that was free a moment ago (for peers that cannot take port 0)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def rss_bytes(pid):
    """The resident set size of process `pid`, in bytes."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def sanitized(pid):
    """True when process `pid` runs with AddressSanitizer (or ThreadSanitizer) loaded: its RSS
    then holds redzones, shadow and the sanitizer allocator's free regions, not sonde's memory."""
    with open(f"/proc/{pid}/maps") as f:
        return any("libasan" in line or "libtsan" in line for line in f)


def stop_process(proc):
    """SIGTERM, then SIGKILL if it has not exited within DEADLINE."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(DEADLINE)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def spawn_prometheus(config_file, data_dir):
    """Starts the real Prometheus on `config_file`; returns the process and its port (the caller
    stops it with stop_process)."""
    prometheus = require_tool("prometheus")
    port = free_port()
    proc = subprocess.Popen([prometheus, f"--config.file={config_file}",
                             f"--storage.tsdb.path={data_dir}",
                             f"--web.listen-address=127.0.0.1:{port}"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return proc, port


def start_prometheus(test, config_file, data_dir):
    """Starts the real Prometheus on `config_file`, stopped when `test` ends; returns its port."""
    proc, port = spawn_prometheus(config_file, data_dir)
    test.addCleanup(stop_process, proc)
    return port


def _parse_value(s):
    if s in ("+Inf", "Inf"):
        return math.inf
    if s == "-Inf":
        return -math.inf
    if s == "NaN":
        return math.nan
    return float(s)


def _unescape(v):
    return re.sub(r"\\(.)", lambda m: "\n" if m.group(1) == "n" else m.group(1), v)


_LABEL = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*,?')


def parse_exposition(text):
    """Parses text format 0.0.4 into (samples, types, helps); samples maps
    (name, frozenset(labels)) -> value. Raises ValueError on a malformed line or a duplicate."""
    samples, types, helps = {}, {}, {}
    # split("\n"), not splitlines(): label values may hold \x1c, \x85 and other bytes that
    # splitlines() takes for line breaks (node_exporter's e2e-output.txt has some in node_dmi_info).
    for line in text.split("\n"):
        if not line:
            continue
        if line.startswith("# TYPE "):
            _, _, name, typ = line.split(" ", 3)
            types[name] = typ
            continue
        if line.startswith("# HELP "):
            parts = line.split(" ", 3)
            helps[parts[2]] = parts[3] if len(parts) > 3 else ""
            continue
        if line.startswith("#"):
            continue
        m = re.match(r"([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})?\s+(\S+)(\s+\S+)?$", line)
        if not m:
            raise ValueError(f"malformed line: {line!r}")
        labels = {}
        if m.group(2):
            inner = m.group(2)[1:-1]
            pos = 0
            while pos < len(inner):
                lm = _LABEL.match(inner, pos)
                if not lm:
                    raise ValueError(f"malformed labels: {line!r}")
                labels[lm.group(1)] = _unescape(lm.group(2))
                pos = lm.end()
        key = (m.group(1), frozenset(labels.items()))
        if key in samples:
            raise ValueError(f"duplicate series: {line!r}")
        samples[key] = _parse_value(m.group(3))
    return samples, types, helps


class SondeTestCase(unittest.TestCase):
    """Starts sondes through self.sonde(...) and always cleans them up."""

    def sonde(self, config=None, args=(), env=None, start=True, wrapper=()):
        s = Sonde(config, args, env, wrapper)
        self.addCleanup(s.cleanup)
        return s.start() if start else s

    def wait_for(self, s, what, predicate, deadline=DEADLINE):
        """predicate()'s first true value, polled every 50 ms; fails with sonde `s`'s log."""
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            got = predicate()
            if got:
                return got
            time.sleep(0.05)
        raise AssertionError(f"never saw {what}:\n" + s.log())
