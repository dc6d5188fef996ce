"""promtool (Prometheus 2.42, Debian) checks sonde's live exposition."""
import re
import subprocess
import unittest

from harness import DEADLINE, SondeTestCase, require_tool

# Names a compatibility contract fixes even though promtool's lint dislikes them, with the lint
# each may draw: node_exporter's camelCase /proc/meminfo and /proc/net/{netstat,snmp} names
# (node_memory_MemTotal_bytes, node_netstat_Tcp_InSegs, ...) and its entropy families in bits.
CONTRACT = [
    (re.compile(r"^node_(memory|netstat)_\w+$"), "camelCase"),
    (re.compile(r"^node_entropy_(available|pool_size)_bits$"), 'use base unit "bytes"'),
]


class Promtool(SondeTestCase):
    def test_check_metrics_has_no_errors_and_only_contract_lint(self):
        promtool = require_tool("promtool")
        s = self.sonde(config="collectors:\n  stat:\n    softirq: true\n")
        s.wait_ready()
        text = s.metrics()
        r = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                           text=True, timeout=DEADLINE)
        output = (r.stdout + r.stderr).strip()
        problems = []
        for line in output.splitlines():
            # Lint lines are "<metric> <problem>"; anything else (a parse error) is a failure.
            name = line.split(" ", 1)[0]
            if not any(p.match(name) and lint in line for p, lint in CONTRACT):
                problems.append(line)
        self.assertEqual(problems, [], output)
        self.assertIn(r.returncode, (0, 3), output)  # 3: lint problems only, all on contract names


if __name__ == "__main__":
    unittest.main()
