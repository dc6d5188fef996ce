"""A recording remote-write receiver for the integration tests, run by Debian's python3 (it needs
python3-snappy and python3-protobuf; protoc compiles remote_write.proto at start). Decodes every
request with the real protobuf library and prints one JSON line per request on stdout:
{"t", "headers", "status", "series": [{"labels": [[name, value]...], "samples": [[ts, value,
stale]...]}], "metadata": [[type, family, help]...], "error"}. The first line is
{"port": N}.

Options: --port (0: any), --tls CERT KEY, --basic-auth USER:PASS (401 otherwise), --script
STATUS[:RETRY_AFTER],... (answers for the first requests, then 200). SIGUSR1: every request from
then on is answered 503 (recorded with that status), so a test can freeze what was acknowledged
without the race of a kill (a request recorded but its answer lost).
"""
import argparse
import base64
import http.server
import json
import os
import signal
import ssl
import struct
import subprocess
import sys
import tempfile
import threading
import time

import snappy  # python3-snappy


def load_proto():
    here = os.path.dirname(os.path.abspath(__file__))
    out = tempfile.mkdtemp(prefix="rw-proto-")
    subprocess.run(["protoc", f"--proto_path={here}", f"--python_out={out}", "remote_write.proto"],
                   check=True)
    sys.path.insert(0, out)
    import remote_write_pb2  # noqa: E402
    return remote_write_pb2


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--tls", nargs=2)
    ap.add_argument("--basic-auth")
    ap.add_argument("--script", default="")
    args = ap.parse_args()
    pb = load_proto()
    script = [s for s in args.script.split(",") if s]
    lock = threading.Lock()
    count = [0]
    down = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: down.set())

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def answer(self, status, body=b"", headers=()):
            self.send_response(status)
            for k, v in headers:
                self.send_header(k, v)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            record = {"t": time.time(), "headers": dict(self.headers.items()), "series": [],
                      "metadata": []}
            if args.basic_auth:
                want = "Basic " + base64.b64encode(args.basic_auth.encode()).decode()
                if self.headers.get("Authorization") != want:
                    record["status"] = 401
                    self.emit(record)
                    return self.answer(401, b"unauthorized")
            with lock:
                i = count[0]
                count[0] += 1
            status, headers = 200, []
            if down.is_set():
                status = 503
            elif i < len(script):
                parts = script[i].split(":")
                status = int(parts[0])
                if len(parts) > 1:
                    headers.append(("Retry-After", parts[1]))
            try:
                req = pb.WriteRequest()
                req.ParseFromString(snappy.uncompress(body))
                for ts in req.timeseries:
                    record["series"].append({
                        "labels": [[l.name, l.value] for l in ts.labels],
                        "samples": [[s.timestamp, s.value if s.value == s.value else None,
                                     struct.pack("<d", s.value) == struct.pack("<Q", 0x7ff0000000000002)]
                                    for s in ts.samples]})
                for m in req.metadata:
                    record["metadata"].append([m.type, m.metric_family_name, m.help])
            except Exception as e:  # noqa: BLE001: recorded for the test to fail on
                record["error"] = repr(e)
                status = 400
            record["status"] = status
            self.emit(record)
            self.answer(status, b"scripted answer" if status != 200 else b"", headers)

        def emit(self, record):
            with lock:
                sys.stdout.write(json.dumps(record) + "\n")
                sys.stdout.flush()

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True

    server = Server(("127.0.0.1", args.port), Handler)
    if args.tls:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = ctx.wrap_socket(server.socket, server_side=True)
    sys.stdout.write(json.dumps({"port": server.server_address[1]}) + "\n")
    sys.stdout.flush()
    server.serve_forever()


if __name__ == "__main__":
    main()
