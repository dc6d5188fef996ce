"""sonde's own client libraries against the real daemon: the C++ client (clients/cpp, driven by
clients/client_probe.cpp) and the Python client (clients/python/sonde_client.py, driven by
clients/client_probe.py) run the same commands; exact values in /metrics."""
import json
import os
import re
import signal
import subprocess
import sys
import time
import unittest

from harness import DEADLINE, SOURCE_DIR, SondeTestCase, parse_exposition, require_tool

HERE = os.path.dirname(os.path.abspath(__file__))


def series(name, **labels):
    return (name, frozenset(labels.items()))


class Probe:
    """One client process; send() writes a command and returns its one-line answer."""

    def __init__(self, argv, address, max_datagram=0, flush_ms=0, reconnect_ms=0, prefix="",
                 tags="-"):
        env = dict(os.environ)
        self.proc = subprocess.Popen(
            argv + [address, str(max_datagram), str(flush_ms), str(reconnect_ms), prefix or "",
                    tags],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=env)

    def send(self, command):
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        answer = self.proc.stdout.readline().strip()
        if not answer:
            raise AssertionError(f"probe died on {command!r}: {self.proc.stderr.read()}")
        return answer

    def stats(self):
        return json.loads(self.send("stats"))

    def close(self):
        if self.proc.poll() is None:
            try:
                self.proc.stdin.write("quit\n")
                self.proc.stdin.close()
                self.proc.wait(DEADLINE)
            except (BrokenPipeError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
        err = self.proc.stderr.read()
        self.proc.stdout.close()
        self.proc.stderr.close()
        # A crash, or a sanitizer report in an ASan build of the probe, fails the test.
        if self.proc.returncode != 0 or err:
            raise AssertionError(f"client probe exited {self.proc.returncode}: {err}")


class ClientCase:
    """The tests; subclasses say which client library runs them."""
    argv = None

    def probe(self, address, **kw):
        p = Probe(self.argv(), address, **kw)
        self.addCleanup(p.close)
        return p

    def start(self, config=None):
        s = self.sonde(config)
        s.wait_ready()
        return s, "unix://" + os.path.join(s.tmp, "dsd.sock")

    def samples(self, s):
        return parse_exposition(s.metrics())[0]

    def wait_for(self, s, key, value):
        """Polls /metrics until `key` has `value`; returns all samples (asserts on the deadline)."""
        deadline = time.monotonic() + DEADLINE
        while True:
            samples = self.samples(s)
            if samples.get(key) == value or time.monotonic() > deadline:
                self.assertEqual(samples.get(key), value, f"{key}:\n" + s.log())
                return samples
            time.sleep(0.02)

    def test_every_operation_gives_exact_values(self):
        s, address = self.start()
        p = self.probe(address, prefix="app.", tags="team:core")
        self.assertEqual(p.send("ops"), "ok")
        samples = self.wait_for(s, series("sonde_app_service_check_status", check="app.db",
                                          env="prod", team="core"), 2)
        t = {"team": "core"}
        self.assertEqual(samples[series("app_req_total", endpoint="/a", status="200", **t)], 3)
        self.assertEqual(samples[series("app_req_total", endpoint="/a", status="500", **t)], 1)
        self.assertEqual(samples[series("app_temp", **t)], 17.5)
        self.assertEqual(samples[series("app_size_sum", **t)], 300)
        self.assertEqual(samples[series("app_size_count", **t)], 1)
        self.assertEqual(samples[series("app_lat_sum", **t)], 0.2)
        self.assertEqual(samples[series("app_lat_bucket", le="0.25", **t)], 1)
        self.assertEqual(samples[series("app_lat_bucket", le="0.1", **t)], 0)
        self.assertEqual(samples[series("app_dur_sum", **t)], 1.53)  # ms → s
        self.assertEqual(samples[series("app_dur_bucket", le="0.05", **t)], 1)
        self.assertEqual(samples[series("app_dur_bucket", le="2.5", **t)], 2)
        self.assertEqual(samples[series("app_users", **t)], 2)
        self.assertEqual(samples[series("app_block_count", **t)], 1)
        self.assertEqual(samples[series("sonde_app_events_total", title="deploy",
                                        alert_type="success", priority="normal",
                                        source_type="ci", env="prod", **t)], 1)
        self.assertEqual(samples[series("sonde_app_service_check_timestamp_seconds",
                                        check="app.db", env="prod", **t)], 1600000000)
        lines = {dict(l)["result"]: v for (n, l), v in samples.items()
                 if n == "sonde_ingest_lines_total" and dict(l)["listener"] == "unixgram"}
        self.assertEqual(lines, {"accepted": 14, "malformed": 0, "dropped": 0})
        st = p.stats()
        self.assertEqual(st["lines_sent"], 14)
        self.assertEqual(st["lines_dropped"], 0)
        self.assertEqual(st["invalid"], 0)

    def test_reserved_bytes_are_escaped(self):
        s, address = self.start()
        p = self.probe(address, prefix="esc.")
        self.assertEqual(p.send("escape"), "ok")
        samples = self.wait_for(s, series("esc_members"), 1)  # "a:b" and "a|b" are one member
        self.assertEqual(samples[series("esc_we_ird_na_me_x_y_total", k_x="v_y", ke_y="va_l",
                                        fl_ag="on")], 2)
        self.assertEqual(sum(v for (n, l), v in samples.items()
                             if n == "sonde_ingest_dropped_total"), 0)

    def test_batching_and_explicit_flush(self):
        s, address = self.start()
        p = self.probe(address, max_datagram=512, prefix="b.")
        # sonde reads none of them until the flush is done (as when its ingest thread is busy):
        # 8 datagrams fit Debian's default queue of 10 and the client's send buffer.
        s.proc.send_signal(signal.SIGSTOP)
        self.addCleanup(lambda: s.proc.poll() is None and s.proc.send_signal(signal.SIGCONT))
        self.assertEqual(p.send("inc n 500"), "ok")
        st = p.stats()
        self.assertEqual(st["lines_queued"], 500)
        self.assertEqual(st["datagrams_sent"], 7)  # sent as each filled up
        self.assertEqual(p.send("flush"), "ok")  # the rest
        st = p.stats()
        self.assertEqual((st["lines_dropped"], st["lines_sent"]), (0, 500), st)
        s.proc.send_signal(signal.SIGCONT)
        self.wait_for(s, series("b_n_total"), 500)
        self.assertEqual(st["lines_sent"], 500)
        # "b.n:1|c" is 7 bytes and a newline: 64 lines in a 512-byte datagram.
        self.assertEqual(st["datagrams_sent"], 8)
        self.assertEqual(st["bytes_sent"], 500 * 8 - 8)

    def test_periodic_flush(self):
        s, address = self.start()
        p = self.probe(address, flush_ms=20, prefix="tick.")
        self.assertEqual(p.send("inc n 3"), "ok")  # no flush command
        self.wait_for(s, series("tick_n_total"), 3)

    def test_sample_rate_weighs_each_line(self):
        s, address = self.start()
        p = self.probe(address, prefix="smp.")
        self.assertEqual(p.send("sampled n 2000"), "ok")
        self.assertEqual(p.send("flush"), "ok")
        queued = p.stats()["lines_queued"]
        self.assertGreater(queued, 800)  # expected 1000, standard deviation 22
        self.assertLess(queued, 1200)
        self.wait_for(s, series("smp_n_total"), 2 * queued)

    def test_sonde_absent_then_started(self):
        probe_dir = self.sonde(start=False).tmp
        path = os.path.join(probe_dir, "late.sock")
        p = self.probe("unix://" + path, prefix="late.")
        self.assertEqual(p.send("flushed lost 5"), "ok")
        st = p.stats()
        self.assertEqual(st["lines_dropped"], 5)
        self.assertEqual(st["datagrams_dropped"], 5)
        self.assertEqual(st["lines_sent"], 0)
        self.assertGreaterEqual(st["connect_failures"], 1)
        s = self.sonde(f"ingest:\n  unixgram:\n    path: {path}\n")
        s.wait_ready()
        self.assertEqual(p.send("flushed found 3"), "ok")
        samples = self.wait_for(s, series("late_found_total"), 3)
        self.assertNotIn(series("late_lost_total"), samples)
        st = p.stats()
        self.assertEqual(st["lines_sent"], 3)
        self.assertEqual(st["reconnects"], 1)

    def test_sonde_restarted_is_found_again(self):
        s, address = self.start()
        p = self.probe(address, prefix="rs.")
        self.assertEqual(p.send("flushed a 2"), "ok")
        self.wait_for(s, series("rs_a_total"), 2)
        s.stop()
        self.assertEqual(p.send("flushed gone 1"), "ok")  # refused: counted, socket reopened
        self.assertEqual(p.stats()["lines_dropped"], 1)
        s2 = self.sonde(f"ingest:\n  unixgram:\n    path: {address[len('unix://'):]}\n")
        s2.wait_ready()
        self.assertEqual(p.send("flushed b 4"), "ok")
        self.wait_for(s2, series("rs_b_total"), 4)

    def test_full_queue_never_blocks(self):
        s, address = self.start()
        p = self.probe(address, prefix="full.")
        s.proc.send_signal(signal.SIGSTOP)  # sonde stops reading: its queue fills up
        try:
            # Each line its own datagram: far more than net.unix.max_dgram_qlen. The answer
            # comes back (within the generous deadline) only if no send blocked.
            self.assertEqual(p.send("flushed x 3000"), "ok")
            st = p.stats()
        finally:
            s.proc.send_signal(signal.SIGCONT)
        self.assertGreater(st["datagrams_dropped"], 0)
        self.assertEqual(st["datagrams_sent"] + st["datagrams_dropped"], 3000)
        self.assertEqual(st["lines_sent"] + st["lines_dropped"], 3000)
        # Every datagram the socket took arrives; once sonde has drained its queue, the client
        # (which kept its socket) sends again.
        self.wait_for(s, series("full_x_total"), st["lines_sent"])
        self.assertEqual(p.send("flushed y 1"), "ok")
        self.wait_for(s, series("full_y_total"), 1)
        self.assertEqual(p.stats()["lines_dropped"], st["lines_dropped"])

    def test_fork_parent_and_child_both_deliver_once(self):
        s, address = self.start()
        p = self.probe(address, flush_ms=60000, prefix="fk.")  # "before" stays buffered
        self.assertEqual(p.send("fork f"), "child 0")
        samples = self.wait_for(s, series("fk_f_child_total"), 1)
        samples = self.wait_for(s, series("fk_f_parent_total"), 1)
        self.assertEqual(samples[series("fk_f_before_total")], 1)  # not sent again by the child
        self.assertEqual(p.stats()["lines_sent"], 2)


class CppClient(ClientCase, SondeTestCase):
    @staticmethod
    def argv():
        probe = os.environ.get("SONDE_CLIENT_PROBE", "")
        if not os.access(probe, os.X_OK):
            raise AssertionError(f"SONDE_CLIENT_PROBE={probe!r} is not an executable")
        return [probe]


class PythonClient(ClientCase, SondeTestCase):
    @staticmethod
    def argv():
        if not os.path.isfile(os.path.join(os.environ.get("SONDE_CLIENT_PY", ""),
                                           "sonde_client.py")):
            raise AssertionError("SONDE_CLIENT_PY must name the folder of sonde_client.py")
        return [sys.executable, os.path.join(HERE, "clients", "client_probe.py")]


class PythonTimer(SondeTestCase):
    """timer() as a context manager, and as a decorator of sync and async functions."""

    def test_timer_forms(self):
        sys.path.insert(0, os.environ["SONDE_CLIENT_PY"])
        import asyncio
        import sonde_client
        s = self.sonde()
        s.wait_ready()
        c = sonde_client.Client("unix://" + os.path.join(s.tmp, "dsd.sock"), flush_interval=0)
        self.addCleanup(c.close)

        @c.timer("t.sync", tags={"form": "decorator"})
        def work(x):
            return x * 2

        @c.timer("t.async", tags=["form:decorator"])
        async def awork(x):
            await asyncio.sleep(0)
            return x + 1

        async def block():
            async with c.timer("t.async_with"):
                await asyncio.sleep(0)

        self.assertEqual(work(2), 4)
        self.assertEqual(work(3), 6)
        self.assertEqual(asyncio.run(awork(1)), 2)
        asyncio.run(block())
        with c.timer("t.with"):
            pass
        self.assertEqual(work.__name__, "work")
        c.flush()
        deadline = time.monotonic() + DEADLINE
        while True:
            samples = parse_exposition(s.metrics())[0]
            if samples.get(series("t_with_count")) == 1 or time.monotonic() > deadline:
                break
            time.sleep(0.02)
        self.assertEqual(samples[series("t_sync_count", form="decorator")], 2)
        self.assertEqual(samples[series("t_async_count", form="decorator")], 1)
        self.assertEqual(samples[series("t_async_with_count")], 1)
        self.assertEqual(samples[series("t_with_count")], 1)
        self.assertEqual(c.stats().invalid, 0)


class Recipe(SondeTestCase):
    """docs/ingest.md's "measure a service" rules: valid for promtool, and every series they read
    is one sonde exposes when an application follows the convention."""

    def rules_text(self):
        with open(os.path.join(SOURCE_DIR, "docs", "ingest.md")) as f:
            doc = f.read()
        marker = doc.index("<!-- recipe-rules")
        start = doc.index("```yaml\n", marker) + len("```yaml\n")
        return doc[start:doc.index("```", start)]

    def test_rules_pass_promtool(self):
        promtool = require_tool("promtool")
        s = self.sonde(start=False)  # for its temporary directory
        path = os.path.join(s.tmp, "recipe.yml")
        with open(path, "w") as f:
            f.write(self.rules_text())
        r = subprocess.run([promtool, "check", "rules", path], capture_output=True, text=True,
                           timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn("SUCCESS: 11 rules found", r.stdout)

    def test_rules_compute_the_figures(self):
        """promtool test rules: known rates in, exact quantiles and ratios out."""
        promtool = require_tool("promtool")
        tmp = self.sonde(start=False).tmp
        with open(os.path.join(tmp, "recipe.yml"), "w") as f:
            f.write(self.rules_text())
        d = "checkout_request_duration_seconds"
        # Per second: 0.8 answered 200 (half under 100 ms, all under 250 ms), 0.1 answered 503
        # (100-250 ms), 0.1 timed out. Attempts 1/s; errors 10%, timeouts 10%.
        tests = f"""rule_files: [recipe.yml]
evaluation_interval: 1m
tests:
  - interval: 1m
    input_series:
      - {{series: '{d}_bucket{{endpoint="/pay",status="200",le="0.1"}}', values: '0+24x10'}}
      - {{series: '{d}_bucket{{endpoint="/pay",status="200",le="0.25"}}', values: '0+48x10'}}
      - {{series: '{d}_bucket{{endpoint="/pay",status="200",le="+Inf"}}', values: '0+48x10'}}
      - {{series: '{d}_count{{endpoint="/pay",status="200"}}', values: '0+48x10'}}
      - {{series: '{d}_sum{{endpoint="/pay",status="200"}}', values: '0+4.2x10'}}
      - {{series: '{d}_bucket{{endpoint="/pay",status="503",le="0.1"}}', values: '0+0x10'}}
      - {{series: '{d}_bucket{{endpoint="/pay",status="503",le="0.25"}}', values: '0+6x10'}}
      - {{series: '{d}_bucket{{endpoint="/pay",status="503",le="+Inf"}}', values: '0+6x10'}}
      - {{series: '{d}_count{{endpoint="/pay",status="503"}}', values: '0+6x10'}}
      - {{series: '{d}_sum{{endpoint="/pay",status="503"}}', values: '0+1.2x10'}}
      - {{series: 'checkout_request_timeouts_total{{endpoint="/pay"}}', values: '0+6x10'}}
      - {{series: 'checkout_heartbeat_timestamp_seconds', values: '0+30x20'}}
    promql_expr_test:
      - {{expr: 'endpoint:{d}:p50', eval_time: 10m,
          exp_samples: [{{labels: '{{__name__="endpoint:{d}:p50",endpoint="/pay"}}', value: 0.115}}]}}
      - {{expr: 'service:checkout_attempts:rate5m', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_attempts:rate5m', value: 1}}]}}
      - {{expr: 'service:checkout_errors:ratio5m', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_errors:ratio5m', value: 0.1}}]}}
      - {{expr: 'service:checkout_timeouts:ratio5m', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_timeouts:ratio5m', value: 0.1}}]}}
      - {{expr: 'service:{d}:under_250ms', eval_time: 10m,
          exp_samples: [{{labels: 'service:{d}:under_250ms', value: 1}}]}}
      - {{expr: 'service:checkout_heartbeat:age_seconds', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_heartbeat:age_seconds', value: 300}}]}}
  - interval: 1m  # no timeout and no error yet: the ratios are 0, not missing
    input_series:
      - {{series: '{d}_count{{endpoint="/pay",status="200"}}', values: '0+60x10'}}
    promql_expr_test:
      - {{expr: 'service:checkout_timeouts:ratio5m', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_timeouts:ratio5m', value: 0}}]}}
      - {{expr: 'service:checkout_errors:ratio5m', eval_time: 10m,
          exp_samples: [{{labels: 'service:checkout_errors:ratio5m', value: 0}}]}}
"""
        path = os.path.join(tmp, "recipe_test.yml")
        with open(path, "w") as f:
            f.write(tests)
        r = subprocess.run([promtool, "test", "rules", path], capture_output=True, text=True,
                           timeout=DEADLINE, cwd=tmp)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)

    def test_rules_read_series_sonde_exposes(self):
        sys.path.insert(0, os.environ["SONDE_CLIENT_PY"])
        import sonde_client
        s = self.sonde()
        s.wait_ready()
        c = sonde_client.Client("unix://" + os.path.join(s.tmp, "dsd.sock"), prefix="checkout.",
                                flush_interval=0)
        self.addCleanup(c.close)
        c.gauge_add("request.inflight", 1, tags={"endpoint": "/pay"})
        c.timing("request.duration_seconds", 120, tags={"endpoint": "/pay", "status": "200"})
        c.timing("request.duration_seconds", 900, tags={"endpoint": "/pay", "status": "503"})
        c.increment("request.timeouts", tags={"endpoint": "/pay"})
        c.gauge_add("request.inflight", -1, tags={"endpoint": "/pay"})
        c.gauge("heartbeat_timestamp_seconds", int(time.time()))
        c.flush()
        deadline = time.monotonic() + DEADLINE
        while True:
            samples = parse_exposition(s.metrics())[0]
            if series("checkout_heartbeat_timestamp_seconds") in samples or \
                    time.monotonic() > deadline:
                break
            time.sleep(0.02)
        names = {n for n, _ in samples}
        exprs = [line.split("expr:", 1)[1] for line in self.rules_text().split("\n")
                 if "expr:" in line]
        read = set()
        for e in exprs:
            e = re.sub(r"\b\w+:\w+:\w+\b", "", e)  # recorded rules (level:metric:operation)
            read |= set(re.findall(r"\bcheckout_\w+", e))
        self.assertEqual(read, {"checkout_request_duration_seconds_bucket",
                                "checkout_request_duration_seconds_sum",
                                "checkout_request_duration_seconds_count",
                                "checkout_request_timeouts_total",
                                "checkout_heartbeat_timestamp_seconds"})
        self.assertLessEqual(read, names)
        pay = {"endpoint": "/pay"}
        self.assertEqual(samples[series("checkout_request_duration_seconds_bucket", le="0.25",
                                        status="200", **pay)], 1)
        self.assertEqual(samples[series("checkout_request_duration_seconds_bucket", le="0.25",
                                        status="503", **pay)], 0)
        self.assertEqual(samples[series("checkout_request_timeouts_total", **pay)], 1)
        self.assertEqual(samples[series("checkout_request_inflight", **pay)], 0)


class Install(SondeTestCase):
    """`cmake --install --component client` gives a C++17 header found by pkg-config and CMake's
    find_package, and a Python module that imports from share/sonde/python."""

    def test_installed_clients_build_and_import(self):
        build = os.environ.get("SONDE_BUILD_DIR", "")
        if not os.path.isfile(os.path.join(build, "CMakeCache.txt")):
            raise AssertionError(f"SONDE_BUILD_DIR={build!r} is not a build tree")
        cmake, cxx, pkg = require_tool("cmake"), require_tool("c++"), require_tool("pkg-config")
        tmp = self.sonde(start=False).tmp
        prefix = os.path.join(tmp, "prefix")
        r = subprocess.run([cmake, "--install", build, "--prefix", prefix, "--component",
                            "client"], capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for f in ("include/sonde/client.hpp", "lib/cmake/sonde_client/sonde_client-config.cmake",
                  "share/pkgconfig/sonde-client.pc", "share/sonde/python/sonde_client.py"):
            self.assertTrue(os.path.isfile(os.path.join(prefix, f)), f)
        flags = subprocess.run([pkg, "--cflags", "--libs", "sonde-client"], capture_output=True,
                               text=True, env=dict(os.environ, PKG_CONFIG_PATH=os.path.join(
                                   prefix, "share", "pkgconfig")), check=True).stdout.split()
        src = os.path.join(tmp, "main.cpp")
        with open(src, "w") as f:
            f.write("#include <sonde/client.hpp>\n"
                    "int main() {\n"
                    "  sonde::ClientOptions o;\n"
                    "  o.address = \"unix:///nonexistent/dsd.sock\";\n"
                    "  sonde::Client c(o);\n"
                    "  c.increment(\"x\", {{\"a\", \"b\"}});\n"
                    "  c.flush();\n"
                    "  return c.stats().lines_dropped == 1 ? 0 : 1;\n"
                    "}\n")
        exe = os.path.join(tmp, "consumer")
        r = subprocess.run([cxx, "-std=c++17", "-Wall", "-Wextra", "-Wpedantic", "-Werror", src,
                            "-o", exe] + flags, capture_output=True, text=True, timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(subprocess.run([exe], timeout=DEADLINE).returncode, 0)
        r = subprocess.run([sys.executable, "-c", "import sonde_client; print(sonde_client.__file__)"],
                           capture_output=True, text=True, timeout=DEADLINE,
                           env=dict(os.environ, PYTHONPATH=os.path.join(prefix, "share", "sonde",
                                                                        "python")))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(prefix), r.stdout)


if __name__ == "__main__":
    unittest.main()
