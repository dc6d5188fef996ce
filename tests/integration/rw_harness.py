"""The recording receiver (rw_receiver.py) as the remote-write tests drive it: started by Debian's
python3 (python3-snappy, python3-protobuf, protoc), its decoded requests collected from its
stdout; and RemoteWriteCase, the tests' sonde with one remote_write entry `rec` sending every
second."""
import json
import os
import signal
import subprocess
import sys
import threading
import time

from harness import DEADLINE, SondeTestCase, parse_exposition, require_tool

HERE = os.path.dirname(os.path.abspath(__file__))
PYTHON = "/usr/bin/python3" if os.path.exists("/usr/bin/python3") else sys.executable
STALE = True


class Receiver:
    def __init__(self, port=0, script="", tls=None, basic_auth=None):
        require_tool("protoc")
        cmd = [PYTHON, os.path.join(HERE, "rw_receiver.py"), "--port", str(port)]
        if script:
            cmd += ["--script", script]
        if tls:
            cmd += ["--tls", tls[0], tls[1]]
        if basic_auth:
            cmd += ["--basic-auth", basic_auth]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                     text=True)
        first = self.proc.stdout.readline()
        if not first:
            raise AssertionError("the recording receiver did not start")
        self.port = json.loads(first)["port"]
        self.requests = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self._read, daemon=True)
        self.thread.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.lock:
                self.requests.append(json.loads(line))

    def url(self, scheme="http"):
        return f"{scheme}://127.0.0.1:{self.port}/api/v1/write"

    def got(self):
        with self.lock:
            return list(self.requests)

    def wait(self, what, predicate, deadline=DEADLINE):
        end = time.monotonic() + deadline
        while time.monotonic() < end:
            got = predicate(self.got())
            if got:
                return got
            time.sleep(0.05)
        raise AssertionError(f"the receiver never saw {what}: {len(self.got())} requests")

    def refuse(self):
        """From now on every request is answered 503 (and recorded so)."""
        self.proc.send_signal(signal.SIGUSR1)

    def stop(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self.thread.join(DEADLINE)
        self.proc.stdout.close()


def accepted_samples(requests):
    """(labels tuple, timestamp) -> (value, stale) of every sample in requests answered 200."""
    out = {}
    dupes = []
    for r in requests:
        if r["status"] != 200:
            continue
        for s in r["series"]:
            key = tuple(tuple(l) for l in s["labels"])
            for ts, value, stale in s["samples"]:
                if (key, ts) in out:
                    dupes.append((key, ts))
                out[(key, ts)] = (value, stale)
    return out, dupes


def config(url, textfile_dir, extra="", queue="", buffer=""):
    return f"""
collectors:
  textfile: {{enabled: true, directory: {textfile_dir}, interval: 1s}}
remote_write:
  - url: {url}
    name: rec
    interval: 1s
    queue_config: {{batch_send_deadline: 100ms, min_backoff: 50ms, max_backoff: 500ms{queue}}}
    metadata_config: {{send_interval: 1s}}
{buffer}{extra}"""


class RemoteWriteCase(SondeTestCase):
    """A sonde with the textfile collector (every second, on self.prom_file) and remote_write
    entry `rec`."""

    def receiver(self, **kw):
        r = Receiver(**kw)
        self.addCleanup(r.stop)
        return r

    def start(self, url, extra="", textfile="", queue="", buffer=""):
        s = self.sonde(start=False)
        tdir = os.path.join(s.tmp, "textfile")
        os.makedirs(tdir)
        self.prom_file = os.path.join(tdir, "app.prom")
        with open(self.prom_file, "w") as f:
            f.write(textfile)
        path = os.path.join(s.tmp, "sonde.yaml")
        with open(path, "w") as f:
            f.write(config(url, tdir, extra, queue, buffer))
        s.args = ["--config", path] + s.args
        s.start()
        s.wait_ready()
        return s

    def metric(self, s, name, **labels):
        samples, _, _ = parse_exposition(s.metrics())
        total = 0
        for (n, ls), v in samples.items():
            d = dict(ls)
            if n == name and all(d.get(k) == v2 for k, v2 in labels.items()):
                total += v
        return total
