"""Misbehaving clients of sonde's web endpoint, each run as its own process (so that a test or
benchmark measuring scrapes in its own process does not share a GIL with them):

  abuse.py slow PORT SOURCE N        N connections from SOURCE that open and never handshake
                                     (half of them) or trickle a TLS ClientHello a byte a second
                                     (the other half); a connection sonde closes is opened again
                                     a second later. Runs until terminated.
  abuse.py flood PORT SOURCES RATE SECONDS CA USER
                                     RATE requests a second with a wrong password (a new one
                                     each, so none is cached) for SECONDS, over 16 keep-alive TLS
                                     connections from each of the comma-separated SOURCES (one
                                     request at a time on each, as sonde answers them); prints
                                     {"status": count} as JSON.
  abuse.py stall PORT SOURCES N CA USER PASSWORD PATH
                                     N TLS connections spread over the comma-separated SOURCE
                                     addresses, each sending one good request for PATH and never
                                     reading the answer (a 4 KiB receive buffer). Prints "ready"
                                     once every request is sent; runs until terminated.

Every connection goes to 127.0.0.1:PORT from a loopback SOURCE address (127.0.0.2, ...).
"""
import base64
import json
import os
import selectors
import socket
import ssl
import sys
import threading
import time


def connect(port, source, rcvbuf=0, timeout=10):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.bind((source, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def client_hello():
    """The bytes of a real TLS ClientHello, to trickle."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    obj = ctx.wrap_bio(incoming, outgoing, server_hostname="localhost")
    try:
        obj.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def slow(port, source, n):
    hello = client_hello()
    sel = selectors.DefaultSelector()
    # slot -> [socket or None, bytes sent, next action time]
    slots = [[None, 0, 0.0] for _ in range(n)]
    while True:
        now = time.monotonic()
        for i, slot in enumerate(slots):
            sock, sent, due = slot
            if due > now:
                continue
            if sock is None:
                try:
                    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    sock.setblocking(False)
                    sock.bind((source, 0))
                    sock.connect_ex(("127.0.0.1", port))
                    sel.register(sock, selectors.EVENT_READ, i)
                    slot[:] = [sock, 0, now + 1.0]
                except OSError:
                    if sock:
                        sock.close()
                    slot[:] = [None, 0, now + 1.0]
                continue
            if i % 2 == 1 and sent < len(hello):  # the trickling half: a byte a second
                try:
                    sock.send(hello[sent:sent + 1])
                    sent += 1
                except (BlockingIOError, InterruptedError):
                    pass
                except OSError:
                    pass  # closed by sonde: the read side notices
            slot[:] = [sock, sent, now + 1.0]
        for key, _ in sel.select(timeout=0.1):
            i = key.data
            sock = slots[i][0]
            try:
                data = sock.recv(4096)
            except (BlockingIOError, InterruptedError):
                continue
            except OSError:
                data = b""
            if not data:  # closed by sonde: open another one a second from now
                sel.unregister(sock)
                sock.close()
                slots[i] = [None, 0, time.monotonic() + 1.0]


def tls_connect(port, source, ca, rcvbuf=0):
    ctx = ssl.create_default_context(cafile=ca)
    raw = connect(port, source, rcvbuf)
    return ctx.wrap_socket(raw, server_hostname="localhost")


def read_response(f):
    """Status of one HTTP/1.1 response read from file `f` (Content-Length bodies only)."""
    line = f.readline()
    if not line:
        raise ConnectionError("closed")
    status = int(line.split()[1])
    length = 0
    close = False
    while True:
        h = f.readline()
        if h in (b"\r\n", b""):
            break
        name, _, value = h.decode().partition(":")
        if name.lower() == "content-length":
            length = int(value)
        if name.lower() == "connection" and value.strip().lower() == "close":
            close = True
    if length:
        f.read(length)
    return status, close


def flood(port, sources, rate, seconds, ca, user, per_source=16):
    counts = {}
    lock = threading.Lock()
    end = time.monotonic() + seconds
    connections = per_source * len(sources)
    per_conn = rate / connections

    def worker(w):
        source = sources[w % len(sources)]
        n = 0
        sock = None
        start = time.monotonic()
        while time.monotonic() < end:
            try:
                if sock is None:
                    sock = tls_connect(port, source, ca)
                    f = sock.makefile("rb")
                token = base64.b64encode(f"{user}:wrong {w} {n}".encode()).decode()
                sock.sendall(f"GET /metrics HTTP/1.1\r\nHost: localhost\r\n"
                             f"Authorization: Basic {token}\r\n\r\n".encode())
                status, close = read_response(f)
                key = str(status)
                if close:
                    sock.close()
                    sock = None
            except (OSError, ValueError, IndexError):
                key = "error"
                if sock:
                    sock.close()
                sock = None
                time.sleep(0.05)
            with lock:
                counts[key] = counts.get(key, 0) + 1
            n += 1
            # Paced: request n is not sent before start + n / per_conn.
            delay = start + n / per_conn - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        if sock:
            sock.close()

    threads = [threading.Thread(target=worker, args=(w,)) for w in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print(json.dumps(counts), flush=True)


def stall(port, sources, n, ca, user, password, path):
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    held = []
    for i in range(n):
        source = sources[i % len(sources)]
        end = time.monotonic() + 30
        while True:
            # Refused while the address's slots are still held by connections an earlier abuse
            # left (sonde notices a closed one once a pending password check of it is done).
            try:
                sock = tls_connect(port, source, ca, rcvbuf=4096)
                break
            except OSError:
                if time.monotonic() > end:
                    raise
                time.sleep(0.2)
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Basic {token}\r\n"
                     f"\r\n".encode())
        held.append(sock)
    print("ready", flush=True)
    while True:
        time.sleep(3600)


def main(argv):
    mode = argv[1]
    if mode == "slow":
        slow(int(argv[2]), argv[3], int(argv[4]))
    elif mode == "flood":
        flood(int(argv[2]), argv[3].split(","), float(argv[4]), float(argv[5]), argv[6], argv[7])
    elif mode == "stall":
        stall(int(argv[2]), argv[3].split(","), int(argv[4]), argv[5], argv[6], argv[7], argv[8])
    else:
        raise SystemExit(f"unknown mode {mode}")


if __name__ == "__main__":
    main(sys.argv)
