"""sonde's Python DogStatsD client: one module, standard library only, Python >= 3.9.

    from sonde_client import Client
    statsd = Client("unix:///run/sonde/dsd.sock", prefix="checkout.")
    statsd.increment("request.timeouts", tags={"endpoint": "/pay"})
    with statsd.timer("request.duration_seconds", tags={"endpoint": "/pay"}):
        ...

    @statsd.timer("job.duration_seconds")      # sync or async functions
    async def job(): ...

Lines are batched into datagrams of at most ``max_datagram_bytes`` (8 KiB over a Unix datagram
socket, 1432 B over UDP) and sent when the next line would not fit, on flush(), every
``flush_interval`` seconds from a daemon thread, and at close(). Sending never blocks and never
raises: a datagram the socket will not take (sonde absent, its queue full) is dropped and
counted in stats(); the socket is reopened at most every ``reconnect_interval`` seconds. Every
method may be called from any thread. After os.fork() the child drops the buffer it inherited
(the parent sends those lines), gets a fresh lock (a lock another thread held at the fork is
never waited for), reopens its own socket and counts from zero.

Names, tags and values cannot break the protocol: bytes DogStatsD reserves ('|' ':' ',' '#' '@',
CR, LF and other control characters, by position) become '_'; event texts and service check
messages escape newlines as "\\n". A call with an empty name, a value that is not a finite
number or an empty set member sends nothing and counts ``invalid``.
"""
import asyncio
import dataclasses
import errno
import functools
import math
import os
import random
import re
import socket
import threading
import time
import weakref

__all__ = ["Client", "Stats", "OK", "WARNING", "CRITICAL", "UNKNOWN"]

OK, WARNING, CRITICAL, UNKNOWN = 0, 1, 2, 3
DEFAULT_ADDRESS = "unix:///run/sonde/dsd.sock"
UNIX_DATAGRAM_BYTES = 8192
UDP_DATAGRAM_BYTES = 1432


class _Escaper:
    """Replaces reserved bytes by '_' (or as `special` says); a regex search first, so the usual
    clean string costs one C-level scan and no copy."""

    def __init__(self, reserved, special=None):
        self.table = {c: "_" for c in range(0x20)}
        self.table[0x7F] = "_"
        for c in reserved:
            self.table[ord(c)] = "_"
        self.table.update({ord(k): v for k, v in (special or {}).items()})
        self.pattern = re.compile("[\\x00-\\x1f\\x7f" + re.escape(reserved) + "]")

    def __call__(self, s):
        return s.translate(self.table) if self.pattern.search(s) else s


_NAME = _Escaper(":|#@,")
_TAG = _Escaper("|,#")
_TAG_KEY = _Escaper(":|,#")
_SET = _Escaper(":|")
_FIELD = _Escaper("|")
_TEXT = _Escaper("", {"\n": "\\n", "\r": "\\r"})


def _number(v):
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise TypeError
    if isinstance(v, int):
        return str(v)
    if not math.isfinite(v):
        raise ValueError
    if v == int(v) and abs(v) < 2 ** 53:
        return str(int(v))
    return repr(v)


@dataclasses.dataclass
class Stats:
    """What a client counted about itself (since creation, or since fork() in a child)."""
    lines_queued: int = 0       # lines accepted into the buffer
    lines_sent: int = 0         # lines in datagrams the socket took
    lines_dropped: int = 0      # lines in datagrams it did not take (absent, full, error)
    datagrams_sent: int = 0
    datagrams_dropped: int = 0
    bytes_sent: int = 0
    invalid: int = 0            # calls refused: empty name, non-finite value, ...
    connect_failures: int = 0   # attempts to open the socket that failed
    reconnects: int = 0         # successful opens after a failure or a send error
    last_errno: int = 0         # errno of the last failed send or connect


_clients = weakref.WeakSet()


def _after_fork_in_child():
    for c in list(_clients):
        c._forget_parent_state()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


class _Timer:
    """Times a block (with / async with) or every call of a function (decorator)."""

    def __init__(self, client, name, tags, rate):
        self._client, self._name, self._tags, self._rate = client, name, tags, rate
        self._start = None

    def _send(self, start):
        ms = (time.perf_counter() - start) * 1000.0
        self._client.timing(self._name, ms, tags=self._tags, rate=self._rate)

    def __enter__(self):
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self._send(self._start)
        return False

    async def __aenter__(self):
        return self.__enter__()

    async def __aexit__(self, *exc):
        return self.__exit__(*exc)

    def __call__(self, func):
        if asyncio.iscoroutinefunction(func):
            @functools.wraps(func)
            async def async_wrapper(*args, **kwargs):
                start = time.perf_counter()
                try:
                    return await func(*args, **kwargs)
                finally:
                    self._send(start)
            return async_wrapper

        @functools.wraps(func)
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self._send(start)
        return wrapper


class Client:
    def __init__(self, address=None, prefix="", constant_tags=(), max_datagram_bytes=0,
                 flush_interval=0.1, reconnect_interval=0.5):
        """address: "unix:///path" / "unixgram:///path" / "/path" (Unix datagram socket) or
        "udp://host:port" ("udp://[v6]:port"); None: $DD_DOGSTATSD_URL, else the packaged
        socket. flush_interval 0: no background thread. A host name is resolved here, once."""
        self.address = address or os.environ.get("DD_DOGSTATSD_URL") or DEFAULT_ADDRESS
        self._family, self._sockaddr = self._resolve(self.address)
        self.max_datagram_bytes = max_datagram_bytes or (
            UNIX_DATAGRAM_BYTES if self._family == socket.AF_UNIX else UDP_DATAGRAM_BYTES)
        self._prefix = _NAME(prefix)
        rendered = [t for t in self._render_tags(constant_tags)]
        self._constant = ",".join(rendered)
        self._flush_interval = flush_interval
        self._reconnect_interval = reconnect_interval
        self._lock = threading.Lock()
        self._buffer = []
        self._size = 0
        self._sock = None
        self._attempted = False
        self._last_attempt = 0.0
        self._had_failure = False
        self._stats = Stats()
        self._closed = False
        self._pid = os.getpid()
        self._flusher = None
        self._wake = None
        _clients.add(self)
        self._start_flusher()

    # ---- metrics ---------------------------------------------------------------------------
    def count(self, name, value, tags=None, rate=1.0):
        self._metric(name, value, "c", tags, rate)

    def increment(self, name, value=1, tags=None, rate=1.0):
        self._metric(name, value, "c", tags, rate)

    def gauge(self, name, value, tags=None, rate=1.0):
        self._metric(name, value, "g", tags, rate)

    def gauge_add(self, name, delta, tags=None, rate=1.0):
        """Adds delta to a gauge ("+N" / "-N"; sonde starts a new series from 0)."""
        self._metric(name, delta, "g", tags, rate, signed=True)

    def histogram(self, name, value, tags=None, rate=1.0):
        self._metric(name, value, "h", tags, rate)

    def distribution(self, name, value, tags=None, rate=1.0):
        self._metric(name, value, "d", tags, rate)

    def timing(self, name, milliseconds, tags=None, rate=1.0):
        """A duration in milliseconds ("ms": sonde observes it in seconds)."""
        self._metric(name, milliseconds, "ms", tags, rate)

    def set(self, name, member, tags=None, rate=1.0):
        member = str(member)
        if not member or not name and not self._prefix:
            return self._invalid()
        if not self._sampled(rate):
            return
        self._line(f"{self._prefix}{_NAME(name)}:{_SET(member)}|s", tags,
                   rate)

    def timer(self, name, tags=None, rate=1.0):
        """Context manager (with / async with) or decorator (sync and async functions) that
        sends the elapsed time as a timing in milliseconds."""
        return _Timer(self, name, tags, rate)

    # ---- events and service checks -----------------------------------------------------------
    def event(self, title, text="", alert_type=None, priority=None, source_type=None,
              aggregation_key=None, hostname=None, timestamp=None, tags=None):
        title, text = _TEXT(str(title)), _TEXT(str(text))
        if not title:
            return self._invalid()
        parts = [f"_e{{{len(title.encode())},{len(text.encode())}}}:{title}|{text}"]
        if timestamp:
            parts.append(f"|d:{int(timestamp)}")
        for prefix, v in (("h", hostname), ("k", aggregation_key), ("p", priority),
                          ("s", source_type), ("t", alert_type)):
            if v:
                parts.append(f"|{prefix}:{_FIELD(str(v))}")
        self._enqueue("".join(parts) + self._tag_field(tags))

    def service_check(self, name, status, tags=None, message=None, timestamp=None,
                      hostname=None):
        if not name and not self._prefix or status not in (OK, WARNING, CRITICAL, UNKNOWN):
            return self._invalid()
        line = f"_sc|{self._prefix}{_NAME(name)}|{int(status)}"
        if timestamp:
            line += f"|d:{int(timestamp)}"
        if hostname:
            line += f"|h:{_FIELD(hostname)}"
        line += self._tag_field(tags)
        if message:  # last: DogStatsD takes the rest of the line as the message
            line += f"|m:{_TEXT(str(message))}"
        self._enqueue(line)

    # ---- control -----------------------------------------------------------------------------
    def flush(self):
        with self._lock:
            self._flush_locked()

    def stats(self):
        """A copy of the client's counters."""
        with self._lock:
            return dataclasses.replace(self._stats)

    def close(self):
        """Flushes and closes; later calls are dropped and counted."""
        self._stop_flusher()
        with self._lock:
            self._flush_locked()
            self._closed = True
            if self._sock is not None:
                self._sock.close()
                self._sock = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    # ---- internals ---------------------------------------------------------------------------
    @staticmethod
    def _resolve(address):
        for scheme in ("unix://", "unixgram://"):
            if address.startswith(scheme):
                return socket.AF_UNIX, address[len(scheme):] or None
        if address.startswith("/"):
            return socket.AF_UNIX, address
        if not address.startswith("udp://"):
            return socket.AF_INET, None
        hostport = address[len("udp://"):]
        if hostport.startswith("["):
            host, _, rest = hostport[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else ""
        else:
            host, _, port = hostport.rpartition(":")
        try:
            info = socket.getaddrinfo(host, int(port), type=socket.SOCK_DGRAM)
        except (OSError, ValueError):
            return socket.AF_INET, None
        return info[0][0], info[0][4]

    @staticmethod
    def _render_tags(tags):
        if not tags:
            return
        items = tags.items() if isinstance(tags, dict) else tags
        for t in items:
            if isinstance(t, tuple):
                k, v = str(t[0]), str(t[1])
                if k or v:
                    yield f"{_TAG_KEY(k)}:{_TAG(v)}"
            else:
                t = str(t)
                if t:
                    yield _TAG(t)

    def _tag_field(self, tags):
        if not tags:
            return "|#" + self._constant if self._constant else ""
        rendered = ",".join(self._render_tags(tags))
        if rendered and self._constant:
            return f"|#{rendered},{self._constant}"
        if rendered or self._constant:
            return f"|#{rendered or self._constant}"
        return ""

    def _invalid(self):
        with self._lock:
            self._stats.invalid += 1

    def _sampled(self, rate):
        if rate == 1:
            return True
        if not _is_number(rate) or not rate >= 0:
            self._invalid()
            return False
        return rate >= 1 or random.random() < rate

    def _metric(self, name, value, kind, tags, rate, signed=False):
        if not name and not self._prefix:
            return self._invalid()
        try:
            text = _number(value)
        except (TypeError, ValueError):
            return self._invalid()
        if not self._sampled(rate):
            return
        if signed and not text.startswith("-"):
            text = "+" + text
        self._line(f"{self._prefix}{_NAME(name)}:{text}|{kind}", tags, rate)

    def _line(self, head, tags, rate):
        if rate < 1:
            head += f"|@{_number(float(rate))}"
        self._enqueue(head + self._tag_field(tags))

    def _enqueue(self, line):
        n = len(line.encode())
        with self._lock:
            if self._closed:
                self._stats.lines_dropped += 1
                return
            if self._flusher is None and self._flush_interval > 0:
                self._start_flusher_locked()
            if self._buffer and self._size + 1 + n > self.max_datagram_bytes:
                self._flush_locked()
            self._buffer.append(line)
            self._size += n + (1 if len(self._buffer) > 1 else 0)
            self._stats.lines_queued += 1
            if self._size >= self.max_datagram_bytes:
                self._flush_locked()

    def _flush_locked(self):
        if os.getpid() != self._pid:  # a fork that bypassed os.register_at_fork
            self._forget_parent_state()
        if not self._buffer:
            return
        data = "\n".join(self._buffer).encode()
        lines = len(self._buffer)
        self._buffer, self._size = [], 0
        if self._sock is None:
            self._open()
        if self._sock is not None:
            try:
                self._sock.send(data)
                self._stats.lines_sent += lines
                self._stats.datagrams_sent += 1
                self._stats.bytes_sent += len(data)
                return
            except (BlockingIOError, InterruptedError) as e:  # queue full: keep the socket
                self._stats.last_errno = e.errno or 0
            except OSError as e:
                self._stats.last_errno = e.errno or 0
                if e.errno not in (errno.ENOBUFS, errno.EMSGSIZE):
                    self._sock.close()
                    self._sock = None
                    self._had_failure = True
        self._stats.lines_dropped += lines
        self._stats.datagrams_dropped += 1

    def _open(self):
        now = time.monotonic()
        if self._attempted and now - self._last_attempt < self._reconnect_interval:
            return
        self._attempted, self._last_attempt = True, now
        if self._sockaddr is None:
            self._stats.connect_failures += 1
            return
        s = None
        try:
            s = socket.socket(self._family, socket.SOCK_DGRAM)
            s.setblocking(False)
            s.connect(self._sockaddr)
        except OSError as e:
            if s is not None:
                s.close()
            self._stats.last_errno = e.errno or 0
            self._stats.connect_failures += 1
            self._had_failure = True
            return
        self._sock = s
        if self._had_failure:
            self._stats.reconnects += 1
        self._had_failure = False

    def _start_flusher(self):
        with self._lock:
            self._start_flusher_locked()

    def _start_flusher_locked(self):
        if self._flush_interval <= 0:
            return
        wake = threading.Event()
        ref = weakref.ref(self)
        interval = self._flush_interval

        def run():
            while not wake.wait(interval):
                c = ref()
                if c is None:
                    return
                c.flush()
                del c

        self._wake = wake
        self._flusher = threading.Thread(target=run, name="sonde-client-flush", daemon=True)
        self._flusher.start()

    def _stop_flusher(self):
        with self._lock:
            flusher, wake = self._flusher, self._wake
            self._flusher = self._wake = None
            self._flush_interval = 0
        if flusher is not None:
            wake.set()
            if flusher is not threading.current_thread():
                flusher.join()

    def _forget_parent_state(self):
        """In a child after fork(): only this thread exists; another may have held the lock."""
        self._lock = threading.Lock()
        self._buffer, self._size = [], 0
        if self._sock is not None:
            self._sock.close()  # shared with the parent: the child opens its own
            self._sock = None
        self._attempted = self._had_failure = False
        self._flusher = self._wake = None  # its thread is gone; started again on the next line
        self._stats = Stats()
        self._pid = os.getpid()

    def __del__(self):
        try:
            if self._wake is not None:
                self._wake.set()
        except Exception:  # interpreter shutdown
            pass


def _is_number(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)
