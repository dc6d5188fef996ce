"""The web config corpus (tests/fixtures/web_config): every file gets the verdict its first line
states, from `sonde web-config check` and from `promtool check web-config` (Prometheus 2.42, the
exporter-toolkit sonde follows), including promtool's quirks."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import FIXTURES, SondeTestCase, require_tool, run_sonde
from webtls import make_ca, make_cert, openssl

CORPUS = os.path.join(FIXTURES, "web_config")


class WebConfigCorpusTest(SondeTestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="sonde-webcfg-")
        make_ca(cls.dir)
        make_cert(cls.dir, "server")
        shutil.move(os.path.join(cls.dir, "server.pem"), os.path.join(cls.dir, "cert.pem"))
        shutil.move(os.path.join(cls.dir, "server_key.pem"), os.path.join(cls.dir, "key.pem"))
        openssl("genrsa", "-out", "other_key.pem", "2048", cwd=cls.dir)
        cls.files = sorted(f for f in os.listdir(CORPUS) if f.endswith(".yml"))
        for name in cls.files:
            with open(os.path.join(CORPUS, name)) as f:
                text = f.read().replace("@DIR@", cls.dir)
            with open(os.path.join(cls.dir, name), "w") as f:
                f.write(text)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.dir, ignore_errors=True)

    def expected(self, name):
        with open(os.path.join(CORPUS, name)) as f:
            m = re.match(r"# expect: (ok|fail)\b", f.readline())
        self.assertIsNotNone(m, f"{name}: first line must be '# expect: ok|fail'")
        return m.group(1)

    def test_corpus_is_large_enough(self):
        self.assertGreaterEqual(len(self.files), 20)
        verdicts = [self.expected(n) for n in self.files]
        self.assertGreaterEqual(verdicts.count("ok"), 5)
        self.assertGreaterEqual(verdicts.count("fail"), 5)

    def test_sonde_and_promtool_agree_with_the_expected_verdict(self):
        promtool = require_tool("promtool")
        for name in self.files:
            with self.subTest(file=name):
                want = self.expected(name)
                p = subprocess.run([promtool, "check", "web-config", name], cwd=self.dir,
                                   capture_output=True, text=True, timeout=30)
                s = subprocess.run([os.environ["SONDE_BIN"], "web-config", "check", name],
                                   cwd=self.dir, capture_output=True, text=True, timeout=30)
                got_promtool = "ok" if p.returncode == 0 else "fail"
                got_sonde = "ok" if s.returncode == 0 else "fail"
                self.assertEqual(got_promtool, want, f"promtool: {p.stdout}{p.stderr}")
                self.assertEqual(got_sonde, want, f"sonde: {s.stdout}{s.stderr}")
                if want == "fail":
                    self.assertIn(name, s.stderr)  # every error names the file

    def test_yaml_errors_carry_line_and_column(self):
        r = run_sonde(["web-config", "check", os.path.join(self.dir, "bad_unknown_key.yml")])
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"bad_unknown_key\.yml:5:3: tls_server_config: unknown key \"certfile\"")
        r = run_sonde(["web-config", "check", os.path.join(self.dir, "bad_hash_cost.yml")])
        self.assertRegex(r.stderr, r"bad_hash_cost\.yml:3:15: basic_auth_users\.prometheus: "
                                   r"crypto/bcrypt: cost 3 is outside allowed range \(4,31\)")

    def test_config_check_checks_the_web_config(self):
        for name, rc in (("ok_tls_basic.yml", 0), ("bad_key_mismatch.yml", 1)):
            with self.subTest(file=name):
                conf = os.path.join(self.dir, "sonde-" + name)
                with open(conf, "w") as f:
                    f.write(f"web:\n  config_file: {os.path.join(self.dir, name)}\n")
                r = run_sonde(["config", "check", conf])
                self.assertEqual(r.returncode, rc, r.stderr)
                if rc:
                    self.assertIn("failed to load X509KeyPair", r.stderr)

    def test_a_bad_web_config_stops_sonde_at_start(self):
        s = self.sonde(args=["--web.config.file", os.path.join(self.dir, "bad_ca_without_auth.yml")],
                       start=False)
        s.start()
        s.proc.wait(30)
        self.assertEqual(s.proc.returncode, 78, s.log())
        self.assertIn("Client CA's have been configured without a Client Auth Policy", s.log())


if __name__ == "__main__":
    unittest.main()
