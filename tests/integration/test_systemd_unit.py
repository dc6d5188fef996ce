"""The packaged systemd unit (deploy/systemd/), checked with systemd's own tools and no running
systemd: `systemd-analyze security --offline=true` rates its exposure at 2.5 or lower (alone and
with the GPU drop-in), `systemd-analyze verify` accepts both without a word, the settings the
collectors need are there and the ones that would blind them are not, every setting is explained
in docs/deploy.md, and the sysusers.d file creates the user and group the unit runs as."""
import os
import re
import shutil
import subprocess
import tempfile
import unittest

from harness import SONDE_BIN, SOURCE_DIR, require_tool

DEPLOY = os.path.join(SOURCE_DIR, "deploy")
UNIT = os.path.join(DEPLOY, "systemd", "sonde.service")
GPU_DROPIN = os.path.join(DEPLOY, "systemd", "gpu.conf")
SYSUSERS = os.path.join(DEPLOY, "sysusers", "sonde.conf")
MAX_EXPOSURE = 2.5


def unit_settings(path, section="Service"):
    """(key, value) of every assignment in one section of a unit file, in order."""
    out = []
    current = None
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line.startswith("["):
                current = line.strip("[]")
            if not line or line.startswith(("#", ";", "[")) or current != section:
                continue
            key, _, value = line.partition("=")
            out.append((key, value))
    return out


class SystemdUnit(unittest.TestCase):
    def setUp(self):
        self.analyze = require_tool("systemd-analyze")
        self.tmp = tempfile.mkdtemp(prefix="sonde-unit-")
        self.addCleanup(shutil.rmtree, self.tmp, ignore_errors=True)

    def root(self, dropin=False):
        """A file-system root holding what the package installs (the unit, the binary, /bin/kill)
        and the host's own units, for systemd-analyze --root: no file outside it is touched."""
        root = os.path.join(self.tmp, "root-gpu" if dropin else "root")
        units = os.path.join(root, "usr", "lib", "systemd", "system")
        shutil.copytree("/usr/lib/systemd/system", units, symlinks=True)
        shutil.copy(UNIT, units)
        os.makedirs(os.path.join(root, "usr", "bin"))
        shutil.copy(SONDE_BIN, os.path.join(root, "usr", "bin", "sonde"))
        shutil.copy(shutil.which("kill"), os.path.join(root, "usr", "bin", "kill"))
        os.symlink("usr/bin", os.path.join(root, "bin"))
        if dropin:
            d = os.path.join(root, "etc", "systemd", "system", "sonde.service.d")
            os.makedirs(d)
            shutil.copy(GPU_DROPIN, d)
        return root

    def exposure(self, root):
        r = subprocess.run([self.analyze, "security", "--offline=true", "--root", root,
                            "--no-pager", "sonde.service"], capture_output=True, text=True,
                           timeout=60)
        m = re.search(r"Overall exposure level for sonde\.service: ([0-9.]+)", r.stdout)
        self.assertIsNotNone(m, r.stdout + r.stderr)
        return float(m.group(1)), r.stdout

    def test_exposure(self):
        for dropin in (False, True):
            with self.subTest(gpu_dropin=dropin):
                score, report = self.exposure(self.root(dropin))
                print(f"exposure (gpu drop-in: {dropin}): {score}")
                self.assertLessEqual(score, MAX_EXPOSURE, report)
                if not dropin:
                    self.assertIn("✓ PrivateDevices=", report)
                else:
                    self.assertIn("char-nvidia-frontend:rw", report)

    def test_verify_is_silent(self):
        for dropin in (False, True):
            with self.subTest(gpu_dropin=dropin):
                root = self.root(dropin)
                r = subprocess.run([self.analyze, "verify", "--man=no", "--root", root,
                                    os.path.join(root, "usr/lib/systemd/system/sonde.service")],
                                   capture_output=True, text=True, timeout=60)
                self.assertEqual((r.returncode, r.stdout + r.stderr), (0, ""))

    def test_verify_catches_a_bad_setting(self):
        # The check above can fail: an unknown key is reported.
        root = self.root(dropin=True)
        with open(os.path.join(root, "etc/systemd/system/sonde.service.d/typo.conf"), "w") as f:
            f.write("[Service]\nProtectSystemm=strict\n")
        r = subprocess.run([self.analyze, "verify", "--man=no", "--root", root,
                            os.path.join(root, "usr/lib/systemd/system/sonde.service")],
                           capture_output=True, text=True, timeout=60)
        self.assertIn("Unknown key 'ProtectSystemm'", r.stdout + r.stderr)

    def test_settings(self):
        s = dict(unit_settings(UNIT))
        required = {
            "Type": "notify", "NotifyAccess": "main", "ExecReload": "/bin/kill -HUP $MAINPID",
            "Restart": "on-failure", "RestartPreventExitStatus": "78", "User": "sonde",
            "Group": "sonde", "RuntimeDirectory": "sonde", "StateDirectory": "sonde",
            "NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "read-only",
            "PrivateTmp": "yes", "PrivateDevices": "yes", "CapabilityBoundingSet": "",
            "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6", "UMask": "0027",
            "SystemCallArchitectures": "native",
        }
        for key, value in required.items():
            self.assertEqual(s.get(key), value, key)
        self.assertTrue(s.get("WatchdogSec"))
        filters = [v for k, v in unit_settings(UNIT) if k == "SystemCallFilter"]
        self.assertEqual(filters[0], "@system-service adjtimex clock_adjtime")
        # These would blind collectors or sonde itself (docs/deploy.md says why).
        for key in ("ProtectClock", "ProtectHostname", "IPAddressDeny", "ProcSubset",
                    "ProtectProc", "DynamicUser"):
            self.assertNotIn(key, s)

    def test_every_setting_is_documented(self):
        with open(os.path.join(SOURCE_DIR, "docs", "deploy.md")) as f:
            doc = f.read()
        missing = [f"{os.path.basename(path)}: {key}" for path in (UNIT, GPU_DROPIN)
                   for key, _ in unit_settings(path) if f"`{key}=" not in doc]
        self.assertEqual(missing, [], "not explained in docs/deploy.md")

    def test_sysusers_creates_the_unit_user(self):
        tool = require_tool("systemd-sysusers")
        root = os.path.join(self.tmp, "sysusers")
        os.makedirs(os.path.join(root, "etc"))
        r = subprocess.run([tool, "--root", root, SYSUSERS], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(root, "etc", "passwd")) as f:
            users = [line.split(":") for line in f]
        with open(os.path.join(root, "etc", "group")) as f:
            groups = {line.split(":")[0]: line.split(":")[2] for line in f}
        sonde = [u for u in users if u[0] == "sonde"]
        self.assertEqual(len(sonde), 1, users)
        self.assertLess(int(sonde[0][2]), 1000)  # a system user
        self.assertEqual(sonde[0][3], groups["sonde"])  # its primary group is `sonde`
        self.assertEqual(sonde[0][6].strip(), "/usr/sbin/nologin")


if __name__ == "__main__":
    unittest.main()
