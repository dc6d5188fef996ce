"""systemd's watchdog, with a socket playing systemd: under WATCHDOG_USEC the real binary sends
WATCHDOG=1 from its event loop at half that period; when the process is stopped (a wedged loop)
the pings stop, and they resume when it runs again. WATCHDOG_PID naming another process, or no
WATCHDOG_USEC, means no pings; a malformed WATCHDOG_USEC is a warning, never a crash."""
import os
import signal
import socket
import time

from harness import DEADLINE, SondeTestCase


class Watchdog(SondeTestCase):
    def systemd_socket(self, s):
        path = os.path.join(s.tmp, "notify.sock")
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(sock.close)
        sock.bind(path)
        sock.settimeout(DEADLINE)
        s.env["NOTIFY_SOCKET"] = path
        return sock

    def pings(self, sock, seconds):
        """The WATCHDOG=1 datagrams received within `seconds`, as arrival times."""
        times = []
        end = time.monotonic() + seconds
        while (left := end - time.monotonic()) > 0:
            sock.settimeout(left)
            try:
                msg = sock.recv(4096)
            except socket.timeout:
                break
            if msg == b"WATCHDOG=1":
                times.append(time.monotonic())
        sock.settimeout(DEADLINE)
        return times

    def test_pings_at_half_the_period_and_stop_when_wedged(self):
        s = self.sonde(start=False)
        systemd = self.systemd_socket(s)
        s.env["WATCHDOG_USEC"] = "400000"  # 0.4 s: a ping every 0.2 s
        s.start()
        s.wait_ready()
        times = self.pings(systemd, 2.0)
        self.assertGreaterEqual(len(times), 6, times)  # about 10 in 2 s
        gaps = [b - a for a, b in zip(times, times[1:])]
        self.assertLess(max(gaps), 0.4, gaps)  # never as long as the watchdog timeout
        self.assertIn("systemd watchdog: 400 ms, WATCHDOG=1 every 200 ms", s.log())

        s.proc.send_signal(signal.SIGSTOP)  # the loop stops running
        try:
            self.pings(systemd, 0.3)  # drain what was sent before the stop took effect
            self.assertEqual(self.pings(systemd, 1.0), [])
        finally:
            s.proc.send_signal(signal.SIGCONT)
        self.assertGreaterEqual(len(self.pings(systemd, 1.0)), 2)
        self.assertEqual(s.stop(), 0)

    def test_no_pings_for_another_process_or_without_usec(self):
        for env in ({"WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}, {}):
            with self.subTest(env=env):
                s = self.sonde(start=False)
                systemd = self.systemd_socket(s)
                s.env.update(env)
                s.start()
                self.assertEqual(systemd.recv(4096), b"READY=1")
                self.assertEqual(self.pings(systemd, 0.6), [])
                self.assertEqual(s.stop(), 0)

    def test_malformed_usec_is_a_warning(self):
        s = self.sonde(env={"WATCHDOG_USEC": "soon"})
        s.wait_ready()
        self.assertIn("watchdog disabled: WATCHDOG_USEC 'soon' is not a number", s.log())
        self.assertEqual(s.stop(), 0)
