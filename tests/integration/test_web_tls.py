"""TLS and basic auth from the exporter-toolkit web config file, against real peers: curl,
openssl s_client, Python's ssl and a real Prometheus 2.42 scraping sonde over TLS with basic auth.
Certificates and bcrypt hashes are made at test time (webtls.py)."""
import base64
import http.client
import json
import os
import re
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import DEADLINE, SondeTestCase, require_tool, start_prometheus
from webtls import bcrypt_hash, make_ca, make_cert

PASSWORD = "s3cret:with colon"


def eventually(pred, limit=DEADLINE, step=0.1):
    end = time.monotonic() + limit
    while time.monotonic() < end:
        v = pred()
        if v:
            return v
        time.sleep(step)
    return pred()


class WebTlsTest(SondeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.certs = tempfile.mkdtemp(prefix="sonde-tls-")
        make_ca(cls.certs)
        make_ca(cls.certs, "other_ca")
        make_cert(cls.certs, "server", cn="first")
        make_cert(cls.certs, "rotated", cn="second")
        make_cert(cls.certs, "client", cn="scraper", client=True)
        make_cert(cls.certs, "stranger", ca="other_ca", cn="stranger", client=True)
        cls.hash = bcrypt_hash(PASSWORD)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.certs, ignore_errors=True)

    def cert(self, name):
        return os.path.join(self.certs, name)

    # A directory of its own per test: rotation replaces files in it.
    def start(self, web_config, sonde_config="", users=True, cert="server"):
        d = tempfile.mkdtemp(prefix="sonde-tls-run-")
        self.addCleanup(shutil.rmtree, d, True)
        shutil.copy(self.cert(f"{cert}.pem"), os.path.join(d, "cert.pem"))
        shutil.copy(self.cert(f"{cert}_key.pem"), os.path.join(d, "key.pem"))
        text = web_config
        if users:
            text += f"basic_auth_users:\n  prometheus: '{self.hash}'\n"
        path = os.path.join(d, "web.yml")
        with open(path, "w") as f:
            f.write(text)
        s = self.sonde(config=sonde_config or None, args=["--web.config.file", path])
        return s, d

    def context(self, client=None):
        ctx = ssl.create_default_context(cafile=self.cert("ca.pem"))
        if client:
            ctx.load_cert_chain(self.cert(f"{client}.pem"), self.cert(f"{client}_key.pem"))
        return ctx

    def get(self, s, path, user="prometheus", password=PASSWORD, client=None, ctx=None):
        host, port = s.host_port()
        conn = http.client.HTTPSConnection("localhost", port, timeout=DEADLINE,
                                           context=ctx or self.context(client))
        headers = {}
        if user is not None:
            token = base64.b64encode(f"{user}:{password}".encode()).decode()
            headers["Authorization"] = "Basic " + token
        try:
            conn.request("GET", path, headers=headers)
            r = conn.getresponse()
            return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read().decode()
        finally:
            conn.close()

    def metric(self, s, name, labels=None):
        _, _, body = self.get(s, "/metrics")
        pattern = re.escape(name) + (r"\{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + r"\}"
                                     if labels else "") + r" (\S+)"
        m = re.search("^" + pattern + "$", body, re.M)
        return float(m.group(1)) if m else None

    def served_subject(self, s):
        """The CN of the certificate a new handshake presents."""
        _, port = s.host_port()
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as raw:
            ctx = self.context()
            with ctx.wrap_socket(raw, server_hostname="localhost") as tls:
                subject = dict(x[0] for x in tls.getpeercert()["subject"])
                return subject["commonName"]

    def s_client(self, port, *args):
        openssl = require_tool("openssl")
        return subprocess.run([openssl, "s_client", "-connect", f"127.0.0.1:{port}",
                               "-CAfile", self.cert("ca.pem"), "-verify_return_error"] + list(args),
                              input="", capture_output=True, text=True, timeout=DEADLINE)

    def test_basic_auth_over_tls(self):
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                          "http_server_config:\n  headers:\n    X-Frame-Options: deny\n"
                          "    Strict-Transport-Security: max-age=31536000\n")
        status, headers, body = self.get(s, "/metrics")
        self.assertEqual(status, 200)
        self.assertIn("node_load1", body)
        self.assertEqual(headers.get("x-frame-options"), "deny")
        self.assertEqual(headers.get("strict-transport-security"), "max-age=31536000")
        for user, password in ((None, None), ("prometheus", "wrong"), ("nobody", PASSWORD),
                               ("prometheus", PASSWORD + "x")):
            with self.subTest(user=user, password=password):
                status, headers, _ = self.get(s, "/metrics", user=user, password=password)
                self.assertEqual(status, 401)
                self.assertEqual(headers.get("www-authenticate"), "Basic")
                self.assertEqual(headers.get("x-frame-options"), "deny")  # on a 401 too
        # /health is protected like everything else by default.
        self.assertEqual(self.get(s, "/health", user=None)[0], 401)
        self.assertEqual(self.metric(s, "sonde_http_rejected_total", {"reason": "unauthorized"}), 5)

    def test_curl_and_plain_http_on_the_tls_port(self):
        curl = require_tool("curl")
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
        _, port = s.host_port()
        url = f"https://localhost:{port}/metrics"
        r = subprocess.run([curl, "-sS", "--cacert", self.cert("ca.pem"), "-u",
                            f"prometheus:{PASSWORD}", "-o", "/dev/null", "-w", "%{http_code}", url],
                           capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(r.stdout, "200", r.stderr)
        r = subprocess.run([curl, "-sS", "--cacert", self.cert("ca.pem"), "-o", "/dev/null",
                            "-w", "%{http_code}", url], capture_output=True, text=True, timeout=DEADLINE)
        self.assertEqual(r.stdout, "401")
        # Plain HTTP to the TLS listener: no answer in clear text, a counted handshake error.
        r = subprocess.run([curl, "-sS", "-o", "/dev/null", f"http://127.0.0.1:{port}/metrics"],
                           capture_output=True, text=True, timeout=DEADLINE)
        self.assertNotEqual(r.returncode, 0)
        self.assertTrue(eventually(lambda: self.metric(
            s, "sonde_http_tls_handshake_errors_total", {"reason": "http_request"}) == 1))

    def test_tls_versions_and_min_version(self):
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n",
                          users=False)
        _, port = s.host_port()
        for flag, proto in (("-tls1_2", "TLSv1.2"), ("-tls1_3", "TLSv1.3")):
            with self.subTest(version=flag):
                r = self.s_client(port, flag)
                self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
                self.assertIn(f"New, {proto},", r.stdout)
        r = self.s_client(port, "-tls1_1")
        self.assertNotEqual(r.returncode, 0)  # the default minimum is TLS 1.2, as the toolkit's

        s13, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                            "  min_version: TLS13\n", users=False)
        _, port13 = s13.host_port()
        self.assertNotEqual(self.s_client(port13, "-tls1_2").returncode, 0)
        self.assertEqual(self.s_client(port13, "-tls1_3").returncode, 0)
        self.assertTrue(eventually(lambda: self.metric(
            s13, "sonde_http_tls_handshake_errors_total", {"reason": "protocol_version"}) == 1))

    def test_client_certificates_required_and_verified(self):
        ca = self.cert("ca.pem")
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                          "  client_auth_type: RequireAndVerifyClientCert\n"
                          f"  client_ca_file: {ca}\n", users=False)
        status, _, _ = self.get(s, "/metrics", user=None, client="client")
        self.assertEqual(status, 200)
        for client in (None, "stranger"):
            with self.subTest(client=client):
                with self.assertRaises((ssl.SSLError, ConnectionError, OSError)):
                    self.get(s, "/metrics", user=None, client=client)
        self.assertTrue(eventually(lambda: self.metric_with_client(
            s, "sonde_http_tls_handshake_errors_total", {"reason": "client_certificate"}) == 2))

    def metric_with_client(self, s, name, labels):
        _, _, body = self.get(s, "/metrics", user=None, client="client")
        pattern = re.escape(name) + r"\{" + ",".join(f'{k}="{v}"' for k, v in labels.items()) + r"\} (\S+)"
        m = re.search("^" + pattern + "$", body, re.M)
        return float(m.group(1)) if m else None

    def test_rotation_and_a_broken_rotation(self):
        s, d = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
        self.assertEqual(self.served_subject(s), "first")
        # As certbot and cert-manager do: new files renamed into place.
        for src, dst in (("rotated.pem", "cert.pem"), ("rotated_key.pem", "key.pem")):
            shutil.copy(self.cert(src), os.path.join(d, dst + ".new"))
            os.rename(os.path.join(d, dst + ".new"), os.path.join(d, dst))
        self.assertEqual(eventually(lambda: self.served_subject(s) == "second", limit=15), True,
                         s.log())
        self.assertIn("reloaded", s.log())
        # A broken pair (the key of another certificate): the working one stays.
        shutil.copy(self.cert("server_key.pem"), os.path.join(d, "key.pem.new"))
        os.rename(os.path.join(d, "key.pem.new"), os.path.join(d, "key.pem"))
        self.assertTrue(eventually(lambda: self.metric(
            s, "sonde_web_config_reload_failures_total") == 1, limit=15), s.log())
        self.assertEqual(self.metric(s, "sonde_web_config_last_reload_successful"), 0)
        self.assertEqual(self.served_subject(s), "second")
        self.assertIn("does not load; the one in force stays", s.log())

    def test_users_change_without_restart_and_sighup_with_a_broken_file(self):
        s, d = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
        self.assertEqual(self.get(s, "/metrics")[0], 200)
        web = os.path.join(d, "web.yml")
        other = bcrypt_hash("new password", rounds=16)
        with open(web, "w") as f:
            f.write(f"tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n"
                    f"basic_auth_users:\n  grafana: '{other}'\n")
        self.assertTrue(eventually(lambda: self.get(s, "/metrics")[0] == 401, limit=15))
        self.assertEqual(self.get(s, "/metrics", user="grafana", password="new password")[0], 200)
        # SIGHUP with a file that does not load: rejected, the one in force stays.
        with open(web, "w") as f:
            f.write("tls_server_config:\n  cert_file: cert.pem\n  key_file: missing.pem\n")
        s.proc.send_signal(signal.SIGHUP)
        self.assertTrue(eventually(lambda: "configuration reload rejected" in s.log()), s.log())
        self.assertIn("missing.pem", s.log())
        self.assertEqual(self.get(s, "/metrics", user="grafana", password="new password")[0], 200)

    def test_handshake_timeout_and_probes_without_auth(self):
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n",
                          sonde_config="web:\n  tls_handshake_timeout: 300ms\n"
                                       "  probes_without_auth: true\n")
        _, port = s.host_port()
        with socket.create_connection(("127.0.0.1", port), timeout=DEADLINE) as idle:
            idle.settimeout(DEADLINE)
            self.assertEqual(idle.recv(1), b"")  # closed by sonde after the handshake timeout
        self.assertEqual(self.get(s, "/health", user=None)[0], 200)
        self.assertEqual(self.get(s, "/ready", user=None)[0], 200)
        self.assertEqual(self.get(s, "/metrics", user=None)[0], 401)
        self.assertEqual(self.metric(s, "sonde_http_tls_handshake_errors_total",
                                     {"reason": "timeout"}), 1)

    def test_prometheus_scrapes_over_tls_with_basic_auth(self):
        s, _ = self.start("tls_server_config:\n  cert_file: cert.pem\n  key_file: key.pem\n")
        _, port = s.host_port()
        d = tempfile.mkdtemp(prefix="sonde-tls-prom-")
        self.addCleanup(shutil.rmtree, d, True)
        jobs = ""
        for job, password in (("good", PASSWORD), ("wrong", "not the password")):
            jobs += (f"  - job_name: {job}\n    scheme: https\n    scrape_interval: 1s\n"
                     f"    tls_config:\n      ca_file: {self.cert('ca.pem')}\n"
                     f"      server_name: localhost\n"
                     f"    basic_auth:\n      username: prometheus\n      password: '{password}'\n"
                     f"    static_configs:\n      - targets: ['127.0.0.1:{port}']\n")
        conf = os.path.join(d, "prometheus.yml")
        with open(conf, "w") as f:
            f.write("global:\n  scrape_interval: 1s\nscrape_configs:\n" + jobs)
        prom = start_prometheus(self, conf, os.path.join(d, "data"))

        def up():
            try:
                q = urllib.parse.urlencode({"query": "up"})
                with urllib.request.urlopen(f"http://127.0.0.1:{prom}/api/v1/query?{q}",
                                            timeout=5) as r:
                    res = json.load(r)["data"]["result"]
            except OSError:
                return None
            got = {x["metric"]["job"]: x["value"][1] for x in res}
            return got if len(got) == 2 else None

        got = eventually(up, limit=60, step=0.5)
        self.assertEqual(got, {"good": "1", "wrong": "0"}, s.log())


if __name__ == "__main__":
    unittest.main()
