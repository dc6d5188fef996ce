"""Origin detection against the real daemon (docs/ingest.md "Origin detection"): a sender moved
into a real cgroup shaped as kubelet makes them gets container_id / pod_uid on its series, over
unixgram (SCM_CREDENTIALS) and unixstream (SO_PEERCRED); a sender outside it gets none. The
cgroup is made under the hierarchy this machine has (cgroup v2, or a v1 controller hierarchy).
This needs root, as CI runs it: a cgroup that cannot be created fails the test, never skips it."""
import os
import secrets
import socket
import subprocess
import sys
import time
import uuid

from harness import DEADLINE, SondeTestCase, parse_exposition

CONFIG = """
ingest:
  origin_detection: true
  unixstream:
    enabled: true
"""

# A sender: waits until it is in its cgroup, sends over both sockets, then waits to be told to
# exit (sonde reads its /proc entries while it lives).
SENDER = r"""
import socket, sys
gram, stream, value = sys.argv[1], sys.argv[2], sys.argv[3]
sys.stdin.readline()
g = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
g.connect(gram)
g.send(("origin.requests:%s|c|#route:/a" % value).encode())
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(stream)
s.sendall(("origin.inflight:%s|g\n" % value).encode())
s.close()
print("sent", flush=True)
sys.stdin.readline()
"""


def cgroup_hierarchy():
    """Where to make the cgroup: the cgroup v2 tree when /sys/fs/cgroup is one; else the v1
    `pids` hierarchy (every v1 machine has it, and a process may join a new pids cgroup with no
    setup, unlike cpuset); else the hybrid layout's v2 tree."""
    v1_pids = v2 = None
    with open("/proc/self/mounts") as f:
        for line in f:
            _, mountpoint, fstype, options = line.split()[:4]
            if fstype == "cgroup2":
                if mountpoint == "/sys/fs/cgroup":
                    return mountpoint
                v2 = v2 or mountpoint
            elif fstype == "cgroup" and "pids" in options.split(","):
                v1_pids = mountpoint
    if v1_pids or v2:
        return v1_pids or v2
    raise AssertionError("no cgroup hierarchy is mounted: cannot make a kubelet-shaped cgroup")


class KubeletCgroup:
    """`.../kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod<uid>.slice/
    cri-containerd-<64 hex>.scope`, as kubelet's systemd cgroup driver names them."""

    def __init__(self, test):
        self.pod_uid = str(uuid.uuid4())
        self.container_id = secrets.token_hex(32)
        self.root = cgroup_hierarchy()
        slice_uid = self.pod_uid.replace("-", "_")
        parts = ["kubepods.slice", "kubepods-besteffort.slice",
                 f"kubepods-besteffort-pod{slice_uid}.slice",
                 f"cri-containerd-{self.container_id}.scope"]
        self.created = []
        test.addCleanup(self.cleanup)
        path = self.root
        for p in parts:
            path = os.path.join(path, p)
            if not os.path.isdir(path):
                os.mkdir(path)  # fails (PermissionError, read-only fs...) and so fails the test
                self.created.append(path)
        self.path = path

    def add(self, pid):
        with open(os.path.join(self.path, "cgroup.procs"), "w") as f:
            f.write(str(pid))

    def cleanup(self):
        # Anything still inside goes back to the root, then the directories go, deepest first.
        if os.path.isdir(getattr(self, "path", "")):
            with open(os.path.join(self.path, "cgroup.procs")) as f:
                pids = f.read().split()
            for pid in pids:
                try:
                    with open(os.path.join(self.root, "cgroup.procs"), "w") as f:
                        f.write(pid)
                except OSError:
                    pass  # exited meanwhile
        for path in reversed(self.created):
            deadline = time.monotonic() + DEADLINE
            while True:
                try:
                    os.rmdir(path)
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)


class OriginDetection(SondeTestCase):
    def sender(self, s, value):
        p = subprocess.Popen(
            [sys.executable, "-c", SENDER, os.path.join(s.tmp, "dsd.sock"),
             os.path.join(s.tmp, "dsd-stream.sock"), str(value)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)

        def stop():
            if p.poll() is None:
                p.kill()
            p.wait()
            p.stdin.close()
            p.stdout.close()
        self.addCleanup(stop)
        return p

    def send(self, p):
        p.stdin.write("go\n")
        p.stdin.flush()
        self.assertEqual(p.stdout.readline().strip(), "sent")

    def wait_series(self, s, wanted):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            samples, _, _ = parse_exposition(s.metrics())
            if all(samples.get(k) == v for k, v in wanted.items()):
                return samples
            time.sleep(0.05)
        missing = {k: samples.get(k) for k, v in wanted.items() if samples.get(k) != v}
        raise AssertionError(f"series not as expected: {missing}\n" + s.metrics())

    def test_sender_in_a_kubelet_cgroup_gets_container_and_pod(self):
        s = self.sonde(CONFIG)
        s.wait_ready()
        cg = KubeletCgroup(self)
        inside = self.sender(s, 3)
        outside = self.sender(s, 5)
        cg.add(inside.pid)
        with open(f"/proc/{inside.pid}/cgroup") as f:
            self.assertIn(f"cri-containerd-{cg.container_id}.scope", f.read())
        self.send(inside)
        self.send(outside)

        origin = frozenset({("container_id", cg.container_id), ("pod_uid", cg.pod_uid)})
        route = frozenset({("route", "/a")})
        samples = self.wait_series(s, {
            ("origin_requests_total", origin | route): 3,   # unixgram: SCM_CREDENTIALS
            ("origin_inflight", origin): 3,                 # unixstream: SO_PEERCRED
            ("origin_requests_total", route): 5,            # the sender outside: no labels
            ("origin_inflight", frozenset()): 5,
        })
        # Nothing else carries an origin: the outside sender's series have no origin labels.
        with_origin = [k for k in samples if dict(k[1]).get("container_id")]
        self.assertEqual(sorted(with_origin), sorted([("origin_requests_total", origin | route),
                                                      ("origin_inflight", origin)]))
        for listener in ("unixgram", "unixstream"):
            for result, n in (("container", 1), ("no_container", 1), ("unknown", 0)):
                key = ("sonde_ingest_origin_resolved_total",
                       frozenset({("listener", listener), ("result", result)}))
                self.assertEqual(samples.get(key), n, (listener, result))

    def test_dogstatsd_container_field_for_a_sender_in_no_container(self):
        s = self.sonde(CONFIG)
        s.wait_ready()
        cid = secrets.token_hex(32)
        c = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(c.close)
        c.connect(os.path.join(s.tmp, "dsd.sock"))
        c.send(f"field.hits:2|c|c:ci-{cid}\nfield.hits:1|c|c:in-42\nfield.hits:4|c|c:a b".encode())
        self.wait_series(s, {
            ("field_hits_total", frozenset({("container_id", cid)})): 2,
            ("field_hits_total", frozenset()): 5,
            ("sonde_ingest_container_field_ignored_total", frozenset({("reason", "inode")})): 1,
            ("sonde_ingest_container_field_ignored_total", frozenset({("reason", "invalid")})): 1,
        })

    def test_origin_detection_off_gives_no_origin_labels(self):
        s = self.sonde("ingest:\n  unixstream:\n    enabled: true\n")
        s.wait_ready()
        cg = KubeletCgroup(self)
        inside = self.sender(s, 7)
        cg.add(inside.pid)
        self.send(inside)
        samples = self.wait_series(s, {("origin_requests_total", frozenset({("route", "/a")})): 7,
                                       ("origin_inflight", frozenset()): 7})
        self.assertFalse([k for k in samples if k[0].startswith("sonde_ingest_origin_")])


if __name__ == "__main__":
    import unittest
    unittest.main()
