"""docs/man/sonde.1 describes what the binary does: every flag the binary accepts (its --help and
its argument parsers in daemon/) is in the man page, every flag the man page names is accepted,
every environment variable daemon/ reads and every exit code it defines are there, and groff
renders it without a warning."""
import glob
import os
import re
import subprocess
import unittest

from harness import SONDE_BIN, SOURCE_DIR, require_tool, run_sonde

MAN = os.path.join(SOURCE_DIR, "docs", "man", "sonde.1")
DAEMON = os.path.join(SOURCE_DIR, "daemon")
FLAG = re.compile(r"(?<![\w-])(--?[a-z][a-z0-9.-]*[a-z0-9]|-[a-z])\b")


def rendered():
    groff = require_tool("groff")
    r = subprocess.run([groff, "-man", "-Tutf8", "-P-cbu", MAN], capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    # groff renders "-" as U+2010 (hyphen) or U+2212 (minus) in some fonts; sonde takes ASCII.
    return r.stdout.replace("\u2010", "-").replace("\u2212", "-")


def source_flags(path):
    """Flags compared with in a parser: string literals such as "--config" or "-h"."""
    with open(path) as f:
        text = f.read()
    return set(re.findall(r'"(--[a-z][a-z0-9.-]*[a-z0-9]|-[a-z])[="]', text))


def section(text, name):
    m = re.search(rf"^{name}\n(.*?)(?=^[A-Z][A-Z ]+\n|\Z)", text, re.S | re.M)
    assert m, f"no {name} section"
    return m.group(1)


class ManPage(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = rendered()

    def main_flags(self):
        flags = source_flags(os.path.join(DAEMON, "main.cpp"))
        flags |= set(FLAG.findall(run_sonde(["--help"]).stdout))
        return flags

    def rules_flags(self):
        return source_flags(os.path.join(DAEMON, "rules_check.cpp"))

    def test_found_the_flags(self):
        # The extraction itself works: the flags sonde has always had are found.
        self.assertLessEqual({"--config", "--web.listen-address", "--log.level", "--log.format",
                              "--version", "--help", "-h", "-v"}, self.main_flags())
        self.assertLessEqual({"--lint", "--lint-fatal"}, self.rules_flags())

    def test_every_accepted_flag_is_documented(self):
        options = section(self.text, "OPTIONS")
        missing = sorted(f for f in self.main_flags() | self.rules_flags()
                         if not re.search(rf"(?<![\w-]){re.escape(f)}(?![\w-])", options))
        self.assertEqual(missing, [], "flags missing from the man page's OPTIONS")

    def test_every_documented_flag_is_accepted(self):
        documented = set(FLAG.findall(section(self.text, "OPTIONS")))
        documented |= set(FLAG.findall(section(self.text, "SYNOPSIS")))
        self.assertIn("--lint-fatal", documented)
        rules = {f for f in documented if f.startswith("--lint")}
        for flag in sorted(documented):
            args = ["rules", "check", flag] if flag in rules else [flag]
            r = run_sonde(args)
            self.assertNotIn("unknown", r.stdout + r.stderr, f"{flag}: {r.stderr}")

    def test_commands(self):
        commands = section(self.text, "COMMANDS")
        for command in ("sonde config check", "sonde rules check"):
            self.assertIn(command, commands)
        help_text = run_sonde(["--help"]).stdout
        for command in re.findall(r"^ *(?:usage: )?sonde ([a-z]+ [a-z]+) ", help_text, re.M):
            self.assertIn("sonde " + command, commands)

    def test_environment(self):
        names = set()
        for path in (os.path.join(DAEMON, "directories.cpp"), os.path.join(DAEMON, "watchdog.cpp"),
                     os.path.join(SOURCE_DIR, "lib", "core", "sd_notify.cpp")):
            with open(path) as f:
                names |= set(re.findall(r'"([A-Z][A-Z_]{3,})"', f.read()))
        self.assertLessEqual({"RUNTIME_DIRECTORY", "STATE_DIRECTORY", "NOTIFY_SOCKET",
                              "WATCHDOG_USEC"}, names)
        env = section(self.text, "ENVIRONMENT")
        self.assertEqual(sorted(n for n in names if n not in env), [])

    def test_exit_codes(self):
        codes = set()
        for path in glob.glob(os.path.join(DAEMON, "*.hpp")):
            with open(path) as f:
                codes |= set(re.findall(r"kExit\w+ = (\d+);", f.read()))
        self.assertLessEqual({"0", "1", "2", "78"}, codes)
        status = section(self.text, "EXIT STATUS")
        listed = set(re.findall(r"^ {7}(\d+)\s", status, re.M))
        self.assertLessEqual(codes, listed, status)

    def test_renders_without_warnings(self):
        groff = require_tool("groff")
        r = subprocess.run([groff, "-man", "-Tutf8", "-ww", "-z", MAN], capture_output=True,
                           text=True, timeout=60)
        self.assertEqual((r.returncode, r.stderr), (0, ""))


if __name__ == "__main__":
    unittest.main()
