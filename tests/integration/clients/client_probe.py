"""Drives the Python client for test_clients.py: the twin of client_probe.cpp (same arguments,
same commands, same answers). SONDE_CLIENT_PY names the folder holding sonde_client.py."""
import dataclasses
import json
import os
import sys

sys.path.insert(0, os.environ["SONDE_CLIENT_PY"])
import sonde_client  # noqa: E402


def ops(c):
    c.count("req", 3, tags={"endpoint": "/a", "status": "200"})
    c.increment("req", tags=[("endpoint", "/a"), ("status", "500")])
    c.gauge("temp", 20)
    c.gauge_add("temp", -2.5)
    c.histogram("size", 300)
    c.distribution("lat", 0.2)
    c.timing("dur", 1500)
    c.timing("dur", 30.0)
    c.set("users", "alice")
    c.set("users", "bob")
    c.set("users", "alice")
    with c.timer("block"):
        pass
    c.event("deploy", "v2|rolled\nout", alert_type="success", source_type="ci", tags=["env:prod"])
    c.service_check("db", sonde_client.CRITICAL, tags=["env:prod"], message="down",
                    timestamp=1600000000)
    c.flush()


def escape(c):
    c.count("we|ird:na#me,x@y", 2, tags=["k|x:v,y", ("ke:y", "va|l"), "fl#ag:on"])
    c.set("members", "a:b")
    c.set("members", "a|b")
    c.flush()


def main():
    address, max_datagram, flush_ms, reconnect_ms, prefix, tags = sys.argv[1:7]
    c = sonde_client.Client(address, prefix=prefix,
                            constant_tags=[] if tags == "-" else tags.split(","),
                            max_datagram_bytes=int(max_datagram),
                            flush_interval=int(flush_ms) / 1000.0,
                            reconnect_interval=int(reconnect_ms) / 1000.0)
    for line in sys.stdin:
        parts = line.split()
        cmd = parts[0] if parts else ""
        name = parts[1] if len(parts) > 1 else ""
        n = int(parts[2]) if len(parts) > 2 else 0
        if cmd == "ops":
            ops(c)
        elif cmd == "escape":
            escape(c)
        elif cmd == "inc":
            for _ in range(n):
                c.increment(name)
        elif cmd == "sampled":
            for _ in range(n):
                c.increment(name, rate=0.5)
        elif cmd == "flushed":
            for _ in range(n):
                c.increment(name)
                c.flush()
        elif cmd == "flush":
            c.flush()
        elif cmd == "fork":
            c.increment(name + ".before")
            sys.stdout.flush()
            pid = os.fork()
            if pid == 0:
                c.increment(name + ".child")
                c.flush()
                s = c.stats()
                os._exit(0 if s.lines_sent == 1 and s.lines_queued == 1 else 3)
            c.increment(name + ".parent")
            c.flush()
            _, status = os.waitpid(pid, 0)
            print(f"child {os.waitstatus_to_exitcode(status)}", flush=True)
            continue
        elif cmd == "stats":
            print(json.dumps(dataclasses.asdict(c.stats())), flush=True)
            continue
        elif cmd == "quit":
            break
        else:
            print("unknown command", flush=True)
            continue
        print("ok", flush=True)
    c.close()


if __name__ == "__main__":
    main()
