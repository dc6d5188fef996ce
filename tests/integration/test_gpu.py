"""The real daemon with gpu.nvml_library pointing at the fake NVML library (tests/fake_nvml):
the exact dcgm-exporter-style exposition, absent fields, errors, a lost and a hung GPU, the old
symbol set, and a host without NVML."""
import json
import os
import socket
import tempfile
import time
import unittest

from harness import DEADLINE, FIXTURES, SondeTestCase, parse_exposition

FAKE = os.environ.get("SONDE_FAKE_NVML", "")
FAKE_OLD = os.environ.get("SONDE_FAKE_NVML_OLD", "")
GPU_FIXTURES = os.path.join(FIXTURES, "gpu")
HOST = socket.gethostname()

G0 = {"gpu": "0", "UUID": "GPU-5fa3a0c4-1e2b-4f0a-9d3c-7b1e2a3c4d5e",
      "pci_bus_id": "00000000:07:00.0", "device": "nvidia0",
      "modelName": "NVIDIA A100-SXM4-40GB", "hostname": HOST}
G1 = {"gpu": "1", "UUID": "GPU-0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
      "pci_bus_id": "00000000:3B:00.0", "device": "nvidia1", "modelName": "Tesla T4",
      "hostname": HOST}


def key(name, labels):
    return (name, frozenset(labels.items()))


def expected_gpu_series():
    """Every GPU series sonde must publish for tests/fixtures/gpu/fake_nvml.json, converted by
    hand from NVML's units (bytes, mW, mJ, KB/s) to dcgm-exporter's (MiB, W, mJ, B/s).
    FB_USED is NVML's used minus reserved (NVML's used includes the reserved part)."""
    e = {}
    g0 = {"DCGM_FI_DEV_SM_CLOCK": 1410, "DCGM_FI_DEV_MEM_CLOCK": 1215,
          "DCGM_FI_DEV_MEMORY_TEMP": 61, "DCGM_FI_DEV_GPU_TEMP": 54,
          "DCGM_FI_DEV_POWER_USAGE": 251.234, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": 9876543210,
          "DCGM_FI_DEV_PCIE_REPLAY_COUNTER": 3, "DCGM_FI_DEV_GPU_UTIL": 87,
          "DCGM_FI_DEV_MEM_COPY_UTIL": 41, "DCGM_FI_DEV_ENC_UTIL": 0, "DCGM_FI_DEV_DEC_UTIL": 3,
          "DCGM_FI_DEV_XID_ERRORS": 79, "DCGM_FI_DEV_FB_FREE": 28610,
          "DCGM_FI_DEV_FB_USED": 11809, "DCGM_FI_DEV_FB_RESERVED": 540,
          "DCGM_FI_DEV_UNCORRECTABLE_REMAPPED_ROWS": 1,
          "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS": 2, "DCGM_FI_DEV_ROW_REMAP_FAILURE": 0,
          "DCGM_FI_DEV_CLOCKS_EVENT_REASONS": 4, "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL": 5,
          "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL": 0, "DCGM_FI_DEV_POWER_MGMT_LIMIT": 400,
          "DCGM_FI_PROF_PCIE_TX_BYTES": 1500 * 1024, "DCGM_FI_PROF_PCIE_RX_BYTES": 250000 * 1024}
    for name, v in g0.items():
        e[key(name, G0)] = v
    # The T4 answers NOT_SUPPORTED for memory temperature, fan, remapped rows and the encoder,
    # and has no XID events registered: those series are absent, not zero.
    g1 = {"DCGM_FI_DEV_SM_CLOCK": 585, "DCGM_FI_DEV_MEM_CLOCK": 5000, "DCGM_FI_DEV_GPU_TEMP": 38,
          "DCGM_FI_DEV_POWER_USAGE": 27.5, "DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION": 123456789,
          "DCGM_FI_DEV_PCIE_REPLAY_COUNTER": 0, "DCGM_FI_DEV_GPU_UTIL": 12,
          "DCGM_FI_DEV_MEM_COPY_UTIL": 3, "DCGM_FI_DEV_DEC_UTIL": 0,
          "DCGM_FI_DEV_FB_FREE": 13351, "DCGM_FI_DEV_FB_USED": 1748,
          "DCGM_FI_DEV_FB_RESERVED": 260, "DCGM_FI_DEV_CLOCKS_EVENT_REASONS": 1,
          "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL": 0, "DCGM_FI_DEV_ECC_DBE_VOL_TOTAL": 0,
          "DCGM_FI_DEV_POWER_MGMT_LIMIT": 70, "DCGM_FI_PROF_PCIE_TX_BYTES": 10240,
          "DCGM_FI_PROF_PCIE_RX_BYTES": 20480}
    for name, v in g1.items():
        e[key(name, G1)] = v
    for gi, profile, free, used in (("1", "3g.20gb", 11776, 8192), ("2", "1g.5gb", 2816, 2048)):
        labels = dict(G0, GPU_I_ID=gi, GPU_I_PROFILE=profile)
        e[key("DCGM_FI_DEV_FB_FREE", labels)] = free
        e[key("DCGM_FI_DEV_FB_USED", labels)] = used
        e[key("DCGM_FI_DEV_FB_RESERVED", labels)] = 0
    for g in (G0, G1):
        e[key("sonde_gpu_info", {"gpu": g["gpu"], "UUID": g["UUID"], "modelName": g["modelName"],
                                 "driver_version": "535.104.05",
                                 "nvml_version": "12.535.104.05",
                                 "cuda_driver_version": "12.2"})] = 1
    procs = [
        (G0, "4242", "python3",
         "3f4e5d6c7b8a99887766554433221100ffeeddccbbaa00112233445566778899", "", 8589934592),
        (G0, "5151", "tritonserver",
         "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",
         "6a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9", 2147483648),
        (G1, "6161", "Xorg", "", "", 1073741824),
        (G1, "7171", "", "", "", 268435456),
    ]
    for g, pid, comm, cid, pod, used in procs:
        e[key("sonde_gpu_process_memory_used_bytes",
              {"gpu": g["gpu"], "UUID": g["UUID"], "pid": pid, "comm": comm,
               "container_id": cid, "pod_uid": pod})] = used
    e[key("sonde_gpu_available", {})] = 1
    e[key("sonde_gpu_process_series_dropped_total", {})] = 0
    return e


def is_gpu_series(name):
    return name.startswith("DCGM_") or name.startswith("sonde_gpu_")


class GpuWithFakeNvml(SondeTestCase):
    def setUp(self):
        for lib in (FAKE, FAKE_OLD):
            if not lib or not os.path.exists(lib):
                raise AssertionError(f"fake NVML library {lib!r} not built (SONDE_FAKE_NVML)")
        self.tmp = tempfile.mkdtemp(prefix="sonde-gpu-it-")
        self.addCleanup(lambda: __import__("shutil").rmtree(self.tmp, ignore_errors=True))

    def fixture(self, **device_overrides):
        with open(os.path.join(GPU_FIXTURES, "fake_nvml.json")) as f:
            doc = json.load(f)
        for index, extra in device_overrides.items():
            doc["devices"][int(index[1:])].update(extra)
        path = os.path.join(self.tmp, "fixture.json")
        with open(path, "w") as f:
            json.dump(doc, f)
        return path

    def start(self, fixture, library=FAKE, extra=""):
        config = (f"host:\n  procfs: {GPU_FIXTURES}/host/proc\n"
                  f"gpu:\n  nvml_library: {library}\n  interval: 1s\n{extra}")
        s = self.sonde(config, env={"SONDE_FAKE_NVML_FIXTURE": fixture})
        s.wait_ready()
        return s

    def wait_for(self, s, predicate, what):
        deadline = time.monotonic() + DEADLINE
        while time.monotonic() < deadline:
            samples, types, helps = parse_exposition(s.metrics())
            if predicate(samples):
                return samples, types, helps
            time.sleep(0.1)
        raise AssertionError(f"never saw {what}:\n{s.metrics()}\n{s.log()}")

    def test_exact_exposition(self):
        s = self.start(self.fixture())
        samples, types, helps = self.wait_for(
            s, lambda x: key("DCGM_FI_DEV_GPU_UTIL", G0) in x, "GPU series")
        got = {k: v for k, v in samples.items() if is_gpu_series(k[0])}
        want = expected_gpu_series()
        self.assertEqual(set(got) - set(want), set(), "unexpected series")
        self.assertEqual(set(want) - set(got), set(), "missing series")
        for k, v in want.items():
            self.assertAlmostEqual(got[k], v, places=6, msg=str(k))
        self.assertEqual(samples[key("node_scrape_collector_success", {"collector": "gpu"})], 1)
        for name in ("DCGM_FI_DEV_TOTAL_ENERGY_CONSUMPTION", "DCGM_FI_DEV_PCIE_REPLAY_COUNTER",
                     "DCGM_FI_DEV_ECC_SBE_VOL_TOTAL", "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"):
            self.assertEqual(types[name], "counter", name)
        for name in ("DCGM_FI_DEV_GPU_UTIL", "DCGM_FI_DEV_FB_USED", "DCGM_FI_DEV_POWER_USAGE",
                     "DCGM_FI_DEV_XID_ERRORS", "DCGM_FI_PROF_PCIE_TX_BYTES", "sonde_gpu_info"):
            self.assertEqual(types[name], "gauge", name)
        self.assertEqual(helps["DCGM_FI_DEV_FB_USED"], "Framebuffer memory used (in MiB).")
        self.assertEqual(helps["DCGM_FI_DEV_POWER_USAGE"], "Power draw (in W).")
        self.assertIn("gpu collector: 2 GPU(s)", s.log())

    def test_lost_gpu_is_dropped_and_counted_while_the_other_reports(self):
        s = self.start(self.fixture(d1={"lost_after_samples": 1}))
        lost = key("sonde_gpu_errors_total", {"gpu": "1", "reason": "gpu_is_lost"})
        samples, _, _ = self.wait_for(s, lambda x: lost in x, "the lost GPU counted")
        self.assertNotIn(key("DCGM_FI_DEV_GPU_UTIL", G1), samples)
        self.assertFalse([k for k in samples if k[0].startswith("DCGM_") and
                          dict(k[1]).get("gpu") == "1"])
        self.assertEqual(samples[key("DCGM_FI_DEV_GPU_UTIL", G0)], 87)
        self.assertEqual(samples[key("node_scrape_collector_success", {"collector": "gpu"})], 1)
        self.assertEqual(s.get("/ready")[0], 200)

    def test_hung_call_fails_the_collector_and_spares_the_other_gpu(self):
        s = self.start(self.fixture(d1={"hang_ms": 3000}), extra="  call_timeout: 200ms\n")
        samples, _, _ = self.wait_for(
            s, lambda x: key("sonde_gpu_errors_total", {"gpu": "1", "reason": "timeout"}) in x,
            "the timeout counted")
        self.assertEqual(samples[key("node_scrape_collector_success", {"collector": "gpu"})], 0)
        self.assertNotIn(key("DCGM_FI_DEV_GPU_UTIL", G1), samples)
        self.assertEqual(samples[key("DCGM_FI_DEV_GPU_UTIL", G0)], 87)
        # Scrapes are never held up by the hung call: the 3 s hang began at most a poll before
        # the 200 ms timeout was seen, so for the next 2 s it is still in progress, and every
        # scrape in that time returns in well under a second.
        seen = time.monotonic()
        took = []
        while time.monotonic() < seen + 2.0:
            t0 = time.monotonic()
            s.metrics()
            took.append(time.monotonic() - t0)
        self.assertGreaterEqual(len(took), 3)
        self.assertLess(max(took), 1.0, f"scrape times during the hang: {took}")
        health = json.loads(s.get("/health")[2])
        gpu = [c for c in health["components"] if c["name"] == "gpu"][0]
        self.assertEqual(gpu["state"], "failing")

    def test_old_driver_symbols(self):
        s = self.start(self.fixture(), library=FAKE_OLD)
        g0 = dict(G0, pci_bus_id="")  # nvmlDeviceGetPciInfo_v3 is missing
        samples, _, _ = self.wait_for(s, lambda x: key("DCGM_FI_DEV_GPU_UTIL", g0) in x,
                                      "GPU series from the old-symbol library")
        self.assertEqual(samples[key("DCGM_FI_DEV_FB_USED", g0)], 12349)  # v1: incl. reserved
        self.assertEqual(samples[key("DCGM_FI_DEV_XID_ERRORS", g0)], 79)
        for absent in ("DCGM_FI_DEV_FB_RESERVED", "DCGM_FI_DEV_MEMORY_TEMP",
                       "DCGM_FI_DEV_CORRECTABLE_REMAPPED_ROWS"):
            self.assertNotIn(key(absent, g0), samples)
        self.assertEqual(samples[key("node_scrape_collector_success", {"collector": "gpu"})], 1)
        self.assertIn("(nvmlInit)", s.log())

    def test_missing_library_leaves_the_daemon_healthy(self):
        s = self.start(self.fixture(), library="/nonexistent/libnvidia-ml.so.1")
        self.assertEqual(s.get("/ready")[0], 200)
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(samples[key("sonde_gpu_available", {})], 0)
        self.assertFalse([k for k in samples if k[0].startswith("DCGM_")])
        self.assertNotIn(key("node_scrape_collector_success", {"collector": "gpu"}), samples)
        status, _, body = s.get("/health")
        self.assertEqual(status, 200)
        doc = json.loads(body)
        gpu = [c for c in doc["components"] if c["name"] == "gpu"][0]
        self.assertEqual(gpu["state"], "unavailable")
        self.assertEqual(s.log().count("gpu collector unavailable"), 1)
        self.assertIn("/nonexistent/libnvidia-ml.so.1", s.log())

    def test_no_driver_and_no_gpu_are_unavailable_too(self):
        for name, overrides in (("no driver", {"init_error": 9}), ("no GPU", {"devices": []})):
            with self.subTest(name):
                with open(os.path.join(GPU_FIXTURES, "fake_nvml.json")) as f:
                    doc = json.load(f)
                doc.update(overrides)
                path = os.path.join(self.tmp, "fixture-%d.json" % len(name))
                with open(path, "w") as f:
                    json.dump(doc, f)
                s = self.start(path)
                self.assertEqual(s.get("/ready")[0], 200)
                samples, _, _ = parse_exposition(s.metrics())
                self.assertEqual(samples[key("sonde_gpu_available", {})], 0)
                self.assertFalse([k for k in samples if k[0].startswith("DCGM_")])
                self.assertEqual(s.log().count("gpu collector unavailable"), 1, s.log())
                s.stop()

    def test_reload_probes_nvml_again(self):
        fixture = self.fixture()
        s = self.start(fixture, library="/nonexistent/libnvidia-ml.so.1")
        samples, _, _ = parse_exposition(s.metrics())
        self.assertEqual(samples[key("sonde_gpu_available", {})], 0)
        config = os.path.join(s.tmp, "sonde.yaml")

        def reload(text, marker="configuration reloaded"):
            with open(config, "w") as f:
                f.write(f"host:\n  procfs: {GPU_FIXTURES}/host/proc\n{text}")
            before = s.log().count(marker)
            s.proc.send_signal(__import__("signal").SIGHUP)
            deadline = time.monotonic() + DEADLINE
            while s.log().count(marker) <= before:
                self.assertLess(time.monotonic(), deadline, s.log())
                time.sleep(0.02)

        # A driver installed after start is found by a reload.
        reload(f"gpu:\n  nvml_library: {FAKE}\n  interval: 1s\n")
        self.wait_for(s, lambda x: key("DCGM_FI_DEV_GPU_UTIL", G0) in x and
                      x.get(key("sonde_gpu_available", {})) == 1, "GPU series after reload")
        status, _, body = s.get("/health")
        gpu = [c for c in json.loads(body)["components"] if c["name"] == "gpu"][0]
        self.assertNotEqual(gpu["state"], "unavailable")
        # Turned off by a reload: every GPU series goes.
        reload("gpu:\n  enabled: false\n")
        self.wait_for(s, lambda x: not [k for k in x if is_gpu_series(k[0])], "no GPU series")
        self.assertEqual(s.stop(), 0)

    def test_disabled_loads_nothing(self):
        s = self.start(self.fixture(), extra="  enabled: false\n")
        samples, _, _ = parse_exposition(s.metrics())
        self.assertFalse([k for k in samples if is_gpu_series(k[0])])


if __name__ == "__main__":
    unittest.main()
