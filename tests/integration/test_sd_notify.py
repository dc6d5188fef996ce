"""systemd's notification protocol, spoken by the real binary to a socket playing systemd:
READY=1 once every collector has run once, RELOADING=1 (with MONOTONIC_USEC) and READY=1 around a
SIGHUP reload, STOPPING=1 on SIGTERM; without NOTIFY_SOCKET nothing is sent and nothing fails."""
import os
import signal
import socket
import time

from harness import DEADLINE, SondeTestCase


class SdNotify(SondeTestCase):
    def systemd_socket(self, name):
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(name)
        sock.settimeout(DEADLINE)
        return sock

    def test_ready_reloading_stopping(self):
        s = self.sonde(start=False)
        path = os.path.join(s.tmp, "notify.sock")
        systemd = self.systemd_socket(path)
        s.env["NOTIFY_SOCKET"] = path
        s.start()
        self.assertEqual(systemd.recv(4096), b"READY=1")
        # READY=1 means ready: /ready answers 200 by then.
        status, _, _ = s.request("/ready")
        self.assertEqual(status, 200)

        s.proc.send_signal(signal.SIGHUP)
        reloading = systemd.recv(4096).decode()
        lines = reloading.split("\n")
        self.assertEqual(lines[0], "RELOADING=1", reloading)
        self.assertTrue(lines[1].startswith("MONOTONIC_USEC="), reloading)
        usec = int(lines[1].split("=", 1)[1])
        self.assertLess(abs(usec / 1e6 - time.monotonic()), 60)  # CLOCK_MONOTONIC, microseconds
        self.assertEqual(systemd.recv(4096), b"READY=1")

        self.assertEqual(s.stop(), 0)
        self.assertEqual(systemd.recv(4096), b"STOPPING=1")

    def test_abstract_socket(self):
        name = f"\0sonde-it-notify-{os.getpid()}"
        systemd = self.systemd_socket(name)
        s = self.sonde(env={"NOTIFY_SOCKET": "@" + name[1:]})
        self.assertEqual(systemd.recv(4096), b"READY=1")
        s.wait_ready()

    def test_unreachable_socket_is_a_warning(self):
        s = self.sonde(env={"NOTIFY_SOCKET": "/nonexistent/sonde/notify.sock"})
        s.wait_ready()
        deadline = time.monotonic() + DEADLINE
        while "notify.sock" not in s.log() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertIn("/nonexistent/sonde/notify.sock", s.log())
        self.assertEqual(s.stop(), 0)
