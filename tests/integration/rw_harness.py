"""The recording receiver (rw_receiver.py) as the remote-write tests drive it: started by Debian's
python3 (python3-snappy, python3-protobuf, protoc), its decoded requests collected from its
stdout."""
import json
import os
import subprocess
import sys
import threading
import time

from harness import DEADLINE, require_tool

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
