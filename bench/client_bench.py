"""Cost per call (wall time, and CPU time of the calling thread, which a loaded machine
disturbs less) of the Python client (clients/python/sonde_client.py) over a real Unix datagram
socket drained by a thread.  python3 bench/client_bench.py [calls, default 200000]"""
import os
import socket
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "clients",
                                "python"))
import sonde_client  # noqa: E402


def main():
    calls = int(sys.argv[1]) if len(sys.argv) > 1 else 200000
    d = tempfile.mkdtemp(prefix="sonde-client-bench-")
    path = os.path.join(d, "dsd.sock")
    r = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    r.bind(path)
    r.settimeout(0.05)
    stop = False

    def drain():
        while not stop:
            try:
                r.recv(70000)
            except socket.timeout:
                pass

    t = threading.Thread(target=drain, daemon=True)
    t.start()
    c = sonde_client.Client("unix://" + path, constant_tags=["env:prod"], flush_interval=0)
    tags = {"endpoint": "/pay", "status": "200"}
    cases = [
        ("increment, no tags", lambda: c.increment("checkout.requests")),
        ("count, 2 tags", lambda: c.count("checkout.requests", 3, tags=tags)),
        ("gauge, 1 tag", lambda: c.gauge("checkout.queue", 12, tags=["queue:mail"])),
        ("timing, 2 tags", lambda: c.timing("checkout.request.duration_seconds", 12.5, tags=tags)),
        ("timing, 2 tags, rate 0.1",
         lambda: c.timing("checkout.request.duration_seconds", 12.5, tags=tags, rate=0.1)),
        ("set, no tags", lambda: c.set("checkout.users", "alice")),
        ("event", lambda: c.event("deploy", "v2 rolled out", tags=["env:prod"])),
        ("service check", lambda: c.service_check("checkout.db", sonde_client.OK)),
    ]

    def timer_case():
        with c.timer("checkout.request.duration_seconds", tags=tags):
            pass
    cases.append(("timer (with), 2 tags", timer_case))

    def flushed():
        c.increment("checkout.requests")
        c.flush()
    cases.append(("increment + flush (1-line datagram)", flushed))
    print(f"{calls} calls each (Python {sys.version.split()[0]})")
    for name, f in cases:
        before = c.stats()
        t0, cpu0 = time.perf_counter(), time.thread_time()
        for _ in range(calls):
            f()
        c.flush()
        dt, cpu = time.perf_counter() - t0, time.thread_time() - cpu0
        after = c.stats()
        print(f"{name:36s} {dt / calls * 1e9:8.0f} ns/call {cpu / calls * 1e9:8.0f} ns CPU "
              f"{(after.datagrams_sent - before.datagrams_sent) / dt:9.0f} datagrams/s "
              f"dropped {after.datagrams_dropped - before.datagrams_dropped}")
    stop = True
    t.join()
    c.close()
    r.close()
    os.unlink(path)
    os.rmdir(d)


if __name__ == "__main__":
    main()
